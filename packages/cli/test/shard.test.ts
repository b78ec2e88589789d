import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, shardRange, type Report } from '../src/index';
import { captureIo, protocolFile, tempDir, tinyDadDir, tinyUnetFile } from './helpers';

// 8 images in batches of 4, two EOT draws, random starts, SSNI-L (whose t depends on the whole batch), GNS's vote and
// DAD (routing whole batches, all three adaptive objectives, θ recalibrated at batch size 4, the MMD probe on every defense):
// every random draw must come from the batch's seed for the shards to match the unsharded run.
const PROTOCOL = {
  images: 8, batchSize: 4, chunkSize: 2, examples: 3, seed: 5,
  attack: { steps: 2, eot: 2 },
  defenses: [
    { name: 'none' },
    { name: 'diffpure', t: 20, steps: 2, surrogateSteps: 1 },
    { name: 'ssni', rule: 'ssni-l', epsSteps: 2, calibrationImages: 8, base: { name: 'diffpure', t: 20, steps: 2, surrogateSteps: 1 } },
    { name: 'gns', stages: [5, 10], steps: [1, 1], runs: 2, surrogateSteps: [1, 1] },
    { name: 'dad', calibrationImages: 40, calibrationBatches: 10, fpr: 0.1 },
    // mixed batches (half of each batch attacked) and the denoised-path objective, the defense's own attack list
    {
      name: 'dad', label: 'DAD mixed', calibrationImages: 40, calibrationBatches: 10, fpr: 0.1,
      attacks: [{ name: 'dad-adaptive', objectives: ['threshold', 'denoised'], fraction: 0.5 }],
    },
    {
      name: 'dad', label: 'DAD always', mode: 'always-denoise',
      attacks: [{ name: 'autoattack-rand', steps: 2, eot: 2 }, { name: 'pgd-eot', fraction: 0.5 }],
    },
  ],
};

const noTiming = (r: Report): unknown => ({
  protocol: r.protocol,
  examples: r.examples,
  results: r.results.map(({ batches, ...rest }) => ({ ...rest, batches: batches.map(({ seconds: _s, ...b }) => b) })),
  summary: r.summary.map(({ secondsPerImage: _a, attackSecondsPerImage: _b, ...s }) => s),
});

describe('eval --shard i/n and merge', () => {
  let dir = '';
  let unet = '';
  let dad = '';
  beforeAll(async () => {
    dir = tempDir();
    unet = await tinyUnetFile(dir);
    dad = await tinyDadDir(dir);
  });

  it('shards cover every batch once, contiguously', () => {
    for (const [batches, count] of [[5, 2], [2, 3], [7, 7], [1, 1]] as const) {
      const ranges = Array.from({ length: count }, (_, i) => shardRange(batches, i, count));
      expect(ranges[0]?.[0]).toBe(0);
      expect(ranges.at(-1)?.[1]).toBe(batches);
      ranges.slice(1).forEach((r, i) => expect(r[0]).toBe(ranges[i]?.[1]));
    }
  });

  it('merging shard 0/2 and 1/2 gives the numbers of one unsharded run', async () => {
    const file = protocolFile(dir, PROTOCOL);
    const common = ['--unet', unet, '--dad', dad, '--backend', 'wasm', '--quiet'];
    const run = async (args: string[]): Promise<string> => {
      const io = captureIo();
      const code = await runCli(args, io);
      expect(io.err()).toBe('');
      expect(code).toBe(0);
      return io.out();
    };
    const json = JSON.parse(await run(['eval', file, '--out', join(dir, 'full'), '--json', ...common])) as Pick<Report, 'summary' | 'protocol'> & { files: string[] };
    expect(json.files).toEqual([join(dir, 'full', 'report.json'), join(dir, 'full', 'report.html')]);
    expect(json.protocol.seed).toBe(5);
    await run(['eval', file, '--out', join(dir, 'again'), ...common]);
    await run(['eval', file, '--out', join(dir, 'parts'), '--shard', '0/2', ...common]);
    await run(['eval', file, '--out', join(dir, 'parts'), '--shard', '1/2', ...common]);
    await run(['merge', join(dir, 'parts', 'report.shard-1-of-2.json'), join(dir, 'parts', 'report.shard-0-of-2.json'), '--out', join(dir, 'merged')]);
    const read = (d: string): Report => JSON.parse(readFileSync(join(dir, d, 'report.json'), 'utf8')) as Report;
    const full = read('full');
    const merged = read('merged');
    const part0 = JSON.parse(readFileSync(join(dir, 'parts', 'report.shard-0-of-2.json'), 'utf8')) as Report;
    expect(part0.shard).toEqual({ index: 0, count: 2, batches: [0, 1] });
    expect(part0.results[0]?.images.map((i) => i.index)).toEqual([0, 1, 2, 3]);
    expect(full.results).toHaveLength(7);
    const mixed = full.summary[5]!;
    expect(full.results[5]!.images.map((i) => i.attacked ?? true)).toEqual([true, true, false, false, true, true, false, false]);
    expect(mixed.mixed!.attacked.of).toBe(4);
    expect(mixed.mixed!.bystanders.of).toBe(4);
    expect(mixed.byAttack!.map((a) => a.candidate)).toEqual([null, 'threshold', 'denoised']);
    expect(mixed.detection!.falsePositives.of).toBe(2);
    expect(mixed.detection!.attacks.map((a) => [a.candidate, a.truePositives.of])).toEqual([['threshold', 2], ['denoised', 2]]);
    const always = full.summary[6]!;
    expect(always.byAttack!.map((a) => a.attack)).toEqual(['autoattack-rand', 'pgd-eot']);
    expect(always.detection).toBeUndefined();
    expect(full.results[6]!.attacks.map((a) => a.name)).toEqual(['autoattack-rand', 'pgd-eot']);
    expect(full.results[6]!.images.every((i) => i.attacked === undefined)).toBe(true); // autoattack-rand attacks all
    const dadBatches = full.results[4]?.batches ?? [];
    expect(dadBatches.every((b) => typeof b.info.clean.statistic === 'number' && b.info.adversarial.length === 3)).toBe(true);
    expect(dadBatches.every((b) => b.info.adversarial.every((a) => typeof a.info.flagged === 'boolean'))).toBe(true);
    expect(full.results[1]?.batches.every((b) => b.info.adversarial.length === 1)).toBe(true);
    const ssniImages = full.results[2]?.images ?? [];
    expect(ssniImages.every((i) => typeof i.info?.clean.norms === 'number' && typeof i.info.adversarial.timesteps === 'number')).toBe(true);
    expect(noTiming(merged)).toEqual(noTiming(full));
    expect(noTiming(read('again'))).toEqual(noTiming(full)); // same seed, same backend → the same report
    expect(json.summary).toEqual(full.summary.map((r) => ({ ...r, secondsPerImage: expect.any(Number), attackSecondsPerImage: expect.any(Number) })));
    expect(merged.environment.shards).toBe(2);
    expect(readFileSync(join(dir, 'merged', 'report.html'), 'utf8')).toContain('<svg class="plot"');
  }, 300_000);
});
