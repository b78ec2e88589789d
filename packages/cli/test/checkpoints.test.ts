import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseProtocol, protocolHash, runCli, type Report } from '../src/index';
import { captureIo, protocolFile, tempDir, tinyUnetFile } from './helpers';

// 8 images in batches of 2 (4 batches) × 2 defenses: 8 checkpoint files.
const PROTOCOL = {
  images: 8, batchSize: 2, chunkSize: 2, examples: 3, seed: 7,
  attack: { steps: 2, eot: 1 },
  defenses: [{ name: 'none' }, { name: 'diffpure', t: 20, steps: 2, surrogateSteps: 1 }],
};

const noTiming = (r: Report): unknown => ({
  protocol: r.protocol, examples: r.examples,
  results: r.results.map(({ batches, ...rest }) => ({ ...rest, batches: batches.map(({ seconds: _s, ...b }) => b) })),
  summary: r.summary.map(({ secondsPerImage: _a, attackSecondsPerImage: _b, ...s }) => s),
});

/** Identity of every checkpoint file: an atomic rewrite (temp file + rename) gives it a new inode. */
const identities = (dir: string): Map<string, number> =>
  new Map(readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => [f, statSync(join(dir, f)).ino]));

describe('eval --checkpoints <dir>', () => {
  let dir = '';
  let unet = '';
  let file = '';
  const run = async (args: string[], expected = 0): Promise<string> => {
    const io = captureIo();
    const code = await runCli([...args, '--unet', unet, '--backend', 'wasm', '--quiet'], io);
    expect(code, io.err()).toBe(expected);
    return io.err();
  };
  const read = (d: string): Report => JSON.parse(readFileSync(join(dir, d, 'report.json'), 'utf8')) as Report;
  beforeAll(async () => {
    dir = tempDir();
    unet = await tinyUnetFile(dir);
    file = protocolFile(dir, PROTOCOL);
  });

  it('writes one file per defense and batch; a rerun recomputes only the missing batch and gives the same report', async () => {
    const ckpt = join(dir, 'ckpt');
    await run(['eval', file, '--out', join(dir, 'plain')]);
    await run(['eval', file, '--out', join(dir, 'first'), '--checkpoints', ckpt]);
    const protocol = read('first').protocol;
    const hashDir = join(ckpt, protocolHash(parseProtocol(protocol, 'report')));
    const before = identities(hashDir);
    expect([...before.keys()].sort()).toEqual(['0-0', '0-1', '0-2', '0-3', '1-0', '1-1', '1-2', '1-3'].map((f) => `${f}.json`));
    const stored = JSON.parse(readFileSync(join(hashDir, '1-1.json'), 'utf8')) as { backend: string; result: { batch: number }; examples: { index: number }[] };
    expect(stored.backend).toMatch(/^wasm/);
    expect(stored.result.batch).toBe(1);
    expect(stored.examples.map((e) => e.index)).toEqual([2]); // examples 0..2: image 2 is in batch 1

    await run(['eval', file, '--out', join(dir, 'all-stored'), '--checkpoints', ckpt]);
    expect(identities(hashDir)).toEqual(before); // nothing recomputed, nothing rewritten

    rmSync(join(hashDir, '1-2.json'));
    await run(['eval', file, '--out', join(dir, 'one-missing'), '--checkpoints', ckpt]);
    const after = identities(hashDir);
    for (const [f, ino] of before) {
      if (f === '1-2.json') expect(after.get(f)).toBeDefined();
      else expect(after.get(f), f).toBe(ino);
    }
    expect(noTiming(read('first'))).toEqual(noTiming(read('plain')));
    expect(noTiming(read('all-stored'))).toEqual(noTiming(read('plain')));
    expect(noTiming(read('one-missing'))).toEqual(noTiming(read('plain')));

    // a shard reads the same checkpoints (same protocol hash): nothing is recomputed
    await run(['eval', file, '--out', join(dir, 'parts'), '--shard', '1/2', '--checkpoints', ckpt]);
    expect(identities(hashDir)).toEqual(after);
    const part = JSON.parse(readFileSync(join(dir, 'parts', 'report.shard-1-of-2.json'), 'utf8')) as Report;
    expect(part.results[1]?.images).toEqual(read('plain').results[1]?.images.slice(4));
  }, 300_000);

  it('another protocol (seed) gets its own folder; a corrupt checkpoint is a one-line error with the fix', async () => {
    const ckpt = join(dir, 'ckpt2');
    await run(['eval', file, '--out', join(dir, 'a'), '--checkpoints', ckpt, '--images', '2']);
    await run(['eval', file, '--out', join(dir, 'b'), '--checkpoints', ckpt, '--images', '2', '--seed', '8']);
    const folders = readdirSync(ckpt);
    expect(folders).toHaveLength(2);
    const hashDir = join(ckpt, protocolHash(parseProtocol(read('a').protocol, 'report')));
    writeFileSync(join(hashDir, '0-0.json'), '{"format":"robustjs-ch');
    const err = await run(['eval', file, '--out', join(dir, 'c'), '--checkpoints', ckpt, '--images', '2'], 2);
    expect(err).toMatch(/^robustjs: error: Checkpoint '.*0-0\.json' is not valid JSON .*delete it to recompute the batch\.\n$/);
  }, 300_000);
});
