/**
 * Benchmark of @robustjs/dad: inference time of the shipped DAD defense per batch of 100 Fashion-MNIST test images.
 *
 *   npm run bench -w @robustjs/dad -- [--n 7]
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
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { join } from 'node:path';
import { diffPure, linearSchedule } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import { modelsDir } from '@robustjs/zoo';
import { backendLabel, loadShippedDad, mmaInChunks } from '../scripts/common';

const { values } = parseArgs({ options: { n: { type: 'string', default: '7' }, 'diffpure-n': { type: 'string', default: '2' } }, strict: true });
const n = Number(values.n);
const medians: Record<string, number> = {};
const backend = backendLabel(await initBackend());
const { defense, classifier, dispose } = await loadShippedDad();
const test = await loadFashionMnist({ split: 'test' });
const { x, y } = toTensors(test, Array.from({ length: 100 }, (_, i) => i));
const adv = await mmaInChunks(classifier, x, y, 1, 100);
process.stderr.write(`clean batch flagged: ${defense.route(x).flagged}; MMA batch flagged: ${defense.route(adv).flagged}\n`);

function time(workload: string, run: () => tf.Tensor, runs = n): void {
  const ms: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = performance.now();
    const t = run();
    t.dataSync();
    t.dispose();
    if (i > 0) ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const median = ms.length % 2 === 1 ? (ms[(ms.length - 1) / 2] as number) : ((ms[ms.length / 2 - 1] as number) + (ms[ms.length / 2] as number)) / 2;
  medians[workload] = median;
  process.stdout.write(`${JSON.stringify({ workload, backend, median_ms: Math.round(median * 10) / 10, min_ms: Math.round((ms[0] as number) * 10) / 10, n: runs, batch: 100 })}\n`);
}

time('classifier', () => classifier(x));
time('detector-score', () => defense.parts.detector.score(x));
time('dad-clean', () => defense(x, 1));
time('dad-flagged', () => defense(adv, 1));
const unet = await loadUnet(join(modelsDir(), 'unet', 'unet.safetensors'));
const purifier = diffPure(unet.predict, linearSchedule(), { t: 100, steps: 20 });
process.stderr.write('[diffpure-t100-k20] batch 100\n');
time('diffpure-t100-k20', () => tf.tidy(() => classifier(purifier(x))), Number(values['diffpure-n']));
process.stdout.write(`${JSON.stringify({ workload: 'dad_speedup_vs_diffpure', backend, dad_flagged_ms: Math.round(medians['dad-flagged']! * 10) / 10,
  diffpure_ms: Math.round(medians['diffpure-t100-k20']! * 10) / 10, speedup: Math.round((medians['diffpure-t100-k20']! / medians['dad-flagged']!) * 10) / 10 })}\n`);
unet.dispose();
tf.dispose([x, y, adv]);
dispose();
