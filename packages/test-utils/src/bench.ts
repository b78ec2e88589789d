/**
 * Helpers shared by the packages' `npm run bench` scripts (no vitest import: benches run under tsx). Every bench
 * prints one JSON line per figure on stdout and its progress on stderr.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** A valued flag of `parseBenchFlags`: `int` (a whole number ≥ `min`, default 0) or `string`. */
export type BenchValueSpec =
  | { readonly type: 'int'; readonly default?: number; readonly min?: number }
  | { readonly type: 'string'; readonly default?: string };

/** The flags every bench takes: `--n k` timed runs, `--quick` (small sizes), `--only substr`, plus named extras. */
export interface BenchFlags {
  n: number;
  quick: boolean;
  only: string | undefined;
  /** The extra boolean flags named in `parseBenchFlags`'s `extra`, by name without the dashes. */
  flags: Record<string, boolean>;
  /** The valued flags named in `defaults.values`, by name without the dashes (`undefined`: not given, no default). */
  values: Record<string, number | string | undefined>;
}

/** Defaults of `parseBenchFlags`: `n`, the `n` under `--quick` when `--n` is not given, the valued flags. */
export interface BenchDefaults {
  readonly n: number;
  readonly quickN?: number;
  readonly values?: Readonly<Record<string, BenchValueSpec>>;
}

/**
 * Parses `--n`, `--quick`, `--only`, the valued flags of `defaults.values` (`--name value`) and the named boolean
 * `extra` flags; exits with status 2 and a usage line on anything else, on a missing value, on `--n` that is not a
 * positive integer and on an `int` flag that is not a whole number ≥ its `min`.
 */
export function parseBenchFlags(argv: readonly string[], defaults: BenchDefaults, extra: readonly string[] = []): BenchFlags {
  const specs = defaults.values ?? {};
  const o: BenchFlags = {
    n: defaults.n, quick: false, only: undefined, flags: Object.fromEntries(extra.map((f) => [f, false])),
    values: Object.fromEntries(Object.entries(specs).map(([k, v]) => [k, v.default])),
  };
  const usage = `usage: bench.ts [--n <k>] [--quick] [--only <substring>]${Object.entries(specs).map(([k, v]) => ` [--${k} <${v.type === 'int' ? 'k' : 'value'}>]`).join('')}${extra.map((f) => ` [--${f}]`).join('')}`;
  const fail = (msg: string): never => {
    process.stderr.write(`bench: ${msg}\n${usage}\n`);
    process.exit(2);
  };
  const wholeNumber = (flag: string, raw: string | undefined, min: number): number => {
    const v = Number(raw);
    if (raw === undefined || raw.trim() === '' || !Number.isInteger(v) || v < min) fail(`--${flag} must be a whole number ≥ ${min}, got ${raw ?? 'nothing'}`);
    return v;
  };
  let nGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith('--') ? a.slice(2) : '';
    const spec = specs[name];
    if (a === '--n') {
      o.n = wholeNumber('n', argv[++i], 1);
      nGiven = true;
    } else if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = argv[++i] ?? fail('--only needs a value');
    else if (spec !== undefined) {
      const raw = argv[++i];
      o.values[name] = spec.type === 'int' ? wholeNumber(name, raw, spec.min ?? 0) : (raw ?? fail(`--${name} needs a value`));
    } else if (extra.includes(name)) o.flags[name] = true;
    else fail(`unknown flag ${a}`);
  }
  if (o.quick && !nGiven && defaults.quickN !== undefined) o.n = defaults.quickN;
  return o;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Rounds to one decimal (how the benches report milliseconds). */
export const round1 = (v: number): number => Math.round(v * 10) / 10;

/** One warm-up call, then `runs` timed calls of `run` (awaited); median and minimum in ms, one decimal. */
export async function timeRuns(runs: number, run: () => Promise<void> | void): Promise<{ median_ms: number; min_ms: number }> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return { median_ms: round1(median(times)), min_ms: round1(Math.min(...times)) };
}

/**
 * `runs` timed calls of `run` (awaited), after one warm-up unless `warmUp` is false: median wall-clock and median
 * process-CPU milliseconds (user + system over all threads; unrounded). On a shared machine the CPU time is the
 * steadier figure of single-threaded work.
 *
 * @example
 * ```ts
 * const { wall, cpu } = await timeWallAndCpu(3, async () => { await model.predict(x).data(); });
 * ```
 */
export async function timeWallAndCpu(
  runs: number,
  run: () => Promise<void> | void,
  warmUp = true,
): Promise<{ wall: number; cpu: number }> {
  if (warmUp) await run();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

/** Writes one JSON line to stdout. */
export function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

/** An `emit` that also appends every line to `out` (the file is emptied first) when `out` is given. */
export function jsonLines(out: string | undefined): (line: object) => void {
  if (out !== undefined) writeFileSync(out, '');
  return (line) => {
    const s = JSON.stringify(line);
    process.stdout.write(`${s}\n`);
    if (out !== undefined) appendFileSync(out, `${s}\n`);
  };
}
