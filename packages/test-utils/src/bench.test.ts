import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { jsonLines, median, parseBenchFlags, timeRuns } from './bench';

/** Runs `parseBenchFlags` with process.exit and stderr captured: the flags, or the exit code and message. */
function parse(argv: string[], ...rest: [Parameters<typeof parseBenchFlags>[1], string[]?]): ReturnType<typeof parseBenchFlags> | { exit: number; message: string } {
  let message = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s) => {
    message += String(s);
    return true;
  });
  vi.spyOn(process, 'exit').mockImplementation((code) => {
    throw Object.assign(new Error('exit'), { code });
  });
  try {
    return parseBenchFlags(argv, rest[0], rest[1]);
  } catch (e) {
    return { exit: (e as { code: number }).code, message };
  } finally {
    vi.restoreAllMocks();
  }
}

describe('parseBenchFlags', () => {
  afterEach(() => vi.restoreAllMocks());
  const defaults = { n: 5, quickN: 2, values: { out: { type: 'string' as const }, threads: { type: 'int' as const, min: 1 }, calls: { type: 'int' as const, default: 1000 } } };

  it('reads n, quick, only, the valued flags and the boolean extras; defaults for the rest', () => {
    expect(parse(['--only', 'mmd', '--threads', '3', '--no-cpu', '--out', 'x.jsonl'], defaults, ['no-cpu', 'no-rss'])).toEqual({
      n: 5, quick: false, only: 'mmd', flags: { 'no-cpu': true, 'no-rss': false }, values: { out: 'x.jsonl', threads: 3, calls: 1000 },
    });
    expect(parse([], { n: 3 })).toEqual({ n: 3, quick: false, only: undefined, flags: {}, values: {} });
  });

  it('--quick lowers n to quickN unless --n is given', () => {
    expect(parse(['--quick'], defaults)).toMatchObject({ n: 2, quick: true });
    expect(parse(['--quick', '--n', '4'], defaults)).toMatchObject({ n: 4, quick: true });
    expect(parse(['--quick'], { n: 3 })).toMatchObject({ n: 3, quick: true });
    expect(parse(['--calls', '0'], defaults)).toMatchObject({ values: { calls: 0 } });
  });

  it.each([
    [['--n', '0'], '--n must be a whole number ≥ 1, got 0'],
    [['--n', '2.5'], '--n must be a whole number ≥ 1, got 2.5'],
    [['--n'], '--n must be a whole number ≥ 1, got nothing'],
    [['--threads', '0'], '--threads must be a whole number ≥ 1, got 0'],
    [['--calls', 'many'], '--calls must be a whole number ≥ 0, got many'],
    [['--out'], '--out needs a value'],
    [['--only'], '--only needs a value'],
    [['--fast'], 'unknown flag --fast'],
  ])('%j exits with status 2 and says why', (argv, why) => {
    const r = parse(argv, defaults);
    expect(r).toMatchObject({ exit: 2 });
    const { message } = r as { message: string };
    expect(message).toContain(`bench: ${why}`);
    expect(message).toContain('usage: bench.ts [--n <k>] [--quick] [--only <substring>] [--out <value>] [--threads <k>] [--calls <k>]');
  });
});

describe('median, timeRuns, jsonLines', () => {
  afterEach(() => vi.restoreAllMocks());

  it('median of odd and even counts, unsorted input untouched', () => {
    const xs = [5, 1, 4];
    expect(median(xs)).toBe(4);
    expect(xs).toEqual([5, 1, 4]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('timeRuns calls once to warm up, then `runs` times', async () => {
    let calls = 0;
    const t = await timeRuns(3, () => void calls++);
    expect(calls).toBe(4);
    expect(t.min_ms).toBeGreaterThanOrEqual(0);
    expect(t.median_ms).toBeGreaterThanOrEqual(t.min_ms);
  });

  it('jsonLines writes each line to stdout and, when given, to a fresh file', () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((s) => {
      out.push(String(s));
      return true;
    });
    const file = join(mkdtempSync(join(tmpdir(), 'bench-')), 'lines.jsonl');
    const emit = jsonLines(file);
    emit({ a: 1 });
    emit({ b: [2] });
    vi.restoreAllMocks();
    expect(out).toEqual(['{"a":1}\n', '{"b":[2]}\n']);
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"b":[2]}\n');
    jsonLines(file);
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
