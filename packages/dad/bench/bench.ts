/**
 * Benchmark of @robustjs/dad: inference time of the shipped DAD defense per batch of 100 Fashion-MNIST test images.
 *
 *   npm run bench -w @robustjs/dad -- [--n 7] [--diffpure-n 2]
 *
 * Workloads (1 warm-up run, then n timed runs, each forced to completion with dataSync and fully disposed):
 * - `classifier`: the undefended zoo CNN on a batch of 100 (the baseline);
 * - `dad-clean`: DAD on a clean batch (detector score, not flagged → classifier);
 * - `dad-flagged`: DAD on an MMA batch (detector score, flagged → noise, denoiser, classifier);
 * - `detector-score`: MMD²_b(R, B) alone;
 * - `diffpure-t100-k20`: the comparison the issue asks for, in the same run: DiffPure (DDPM, t* = 100, 20 steps) with
 *   the shipped diffusion UNet, then the classifier, on the same clean batch (`--diffpure-n` timed runs, default 2),
 *   and `dad_speedup` = DiffPure median / DAD-flagged median.
 * Every line on stdout: `{workload, backend, median_ms, min_ms, n, batch}`; progress on stderr.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { join } from 'node:path';
import { diffPure, linearSchedule } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import { modelsDir } from '@robustjs/zoo/node';
import { emit, parseBenchFlags, round1, timeRuns } from '@robustjs/test-utils/bench';
import { backendLabel, loadShippedDad, mmaInChunks } from '../scripts/common';

const opts = parseBenchFlags(process.argv.slice(2), { n: 7, values: { 'diffpure-n': { type: 'int', default: 2, min: 1 } } });
const n = opts.n;
const medians: Record<string, number> = {};
const backend = backendLabel(await initBackend());
const { defense, classifier, dispose } = await loadShippedDad();
const test = await loadFashionMnist({ split: 'test' });
const { x, y } = toTensors(test, Array.from({ length: 100 }, (_, i) => i));
const adv = await mmaInChunks(classifier, x, y, 1, 100);
process.stderr.write(`clean batch flagged: ${defense.route(x).flagged}; MMA batch flagged: ${defense.route(adv).flagged}\n`);

async function time(workload: string, run: () => tf.Tensor, runs = n): Promise<void> {
  const t = await timeRuns(runs, () => {
    const out = run();
    out.dataSync();
    out.dispose();
  });
  medians[workload] = t.median_ms;
  emit({ workload, backend, ...t, n: runs, batch: 100 });
}

await time('classifier', () => classifier(x));
await time('detector-score', () => defense.parts.detector.score(x));
await time('dad-clean', () => defense(x, 1));
await time('dad-flagged', () => defense(adv, 1));
const unet = await loadUnet(join(modelsDir(), 'unet', 'unet.safetensors'));
const purifier = diffPure(unet.predict, linearSchedule(), { t: 100, steps: 20 });
process.stderr.write('[diffpure-t100-k20] batch 100\n');
await time('diffpure-t100-k20', () => tf.tidy(() => classifier(purifier(x))), opts.values['diffpure-n'] as number);
emit({ workload: 'dad_speedup_vs_diffpure', backend, dad_flagged_ms: medians['dad-flagged'], diffpure_ms: medians['diffpure-t100-k20'],
  speedup: round1(medians['diffpure-t100-k20']! / medians['dad-flagged']!) });
unet.dispose();
tf.dispose([x, y, adv]);
dispose();
