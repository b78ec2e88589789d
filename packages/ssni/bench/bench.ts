/**
 * Benchmark of @robustjs/ssni: the cost of EPS estimation next to the DiffPure purification it steers.
 *
 *   npm run bench -w @robustjs/ssni -- [--n 3] [--images 16] [--steps 100] [--eps-steps 20] [--quick]
 *
 * Workloads, all on the same `--images` Fashion-MNIST test images (28×28×1) in one process, with the shipped UNet
 * (packages/zoo/models/unet/unet.safetensors) when it exists, else a randomly initialised UNet of the same
 * `small` preset (identical cost; `model` says which):
 * - `eps-norm`: `epsNorm` with T_S = `--eps-steps` (default 20, SSNI's default);
 * - `diffpure`: DiffPure t* = 100 with K = `--steps` denoising steps (default 100, diffPure's default);
 * - `ssni-n`: the whole SSNI-N purification (EPS + K + b = K + 5 steps).
 * Every line: `{workload, backend, model, images, median_ms, min_ms, n, ...}`; the last line `overhead` gives
 * median(eps-norm)/median(diffpure) and median(ssni-n)/median(diffpure). One short warm-up, then n rounds that run
 * each workload once (interleaved, so load from other processes affects all alike), each forced to completion.
 * `--quick`: 4 images, K = 20, n = 1. stdout carries only JSON lines; progress goes to stderr.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { createUnet, diffPure, linearSchedule } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import { modelsDir } from '@robustjs/zoo/node';
import { emit as emitLine, median, parseBenchFlags, round1 } from '@robustjs/test-utils/bench';
import { SsniCalibration, epsNorm, ssniPurifier } from '../src/index';

console.log = console.error;
console.info = console.error;
console.warn = console.error;

const opts = parseBenchFlags(process.argv.slice(2), {
  n: 3, quickN: 1,
  values: { images: { type: 'int', default: 16, min: 1 }, steps: { type: 'int', default: 100, min: 1 }, 'eps-steps': { type: 'int', default: 20, min: 1 } },
});
const quick = opts.quick;
const n = opts.n;
const nImages = quick ? 4 : (opts.values['images'] as number);
const K = quick ? 20 : (opts.values['steps'] as number);
const epsSteps = opts.values['eps-steps'] as number;

const backend = await initBackend();
const unetPath = join(modelsDir(), 'unet', 'unet.safetensors');
const shipped = existsSync(unetPath);
const unet = shipped ? await loadUnet(unetPath) : createUnet({ preset: 'small', seed: 0 });
const model = shipped ? 'zoo/unet (shipped)' : 'createUnet small (random weights, same cost)';
const schedule = linearSchedule();
const test = await loadFashionMnist({ split: 'test' });
const { x, y } = toTensors(test, Array.from({ length: nImages }, (_, i) => i));
y.dispose();

/** Times the workloads interleaved (round r runs each once), so load from other processes hits all alike. */
// a workload returns a tensor (read back inside the timing) or host values (epsNorm's EpsNorms)
type Timings = Record<string, { median_ms: number; min_ms: number }>;
function timeAll(fns: Record<string, () => tf.Tensor | Float32Array>): Timings {
  const ms: Record<string, number[]> = Object.fromEntries(Object.keys(fns).map((k) => [k, []]));
  for (let r = 0; r < n; r++) {
    for (const [k, fn] of Object.entries(fns)) {
      const t0 = performance.now();
      const out = fn();
      if (out instanceof tf.Tensor) out.dataSync();
      ms[k]!.push(performance.now() - t0);
      if (out instanceof tf.Tensor) out.dispose();
    }
  }
  return Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, { median_ms: round1(median(v)), min_ms: round1(Math.min(...v)) }]));
}

const common = { backend: backend.name, model, images: nImages, n };
const emit = (line: Record<string, unknown>): void => emitLine({ ...line, ...common });

process.stderr.write(`bench: ${model}, ${nImages} images, K = ${K}, T_S = ${epsSteps}, n = ${n}\n`);
const purifier = diffPure(unet.predict, schedule, { t: 100, steps: K });
const calibration = new SsniCalibration({ mean: 1, std: 1, min: 0, max: 2, count: 2, settings: {
  steps: epsSteps, seed: 0, modelId: model, imageShape: [28, 28, 1], process: 'schedule:linear:T=1000:betaStart=0.0001:betaEnd=0.02' } });
const ssni = ssniPurifier(purifier, unet.predict, calibration, { rule: 'ssni-n', tau: 1, bias: 5 });
// warm-up with the timed shapes (oneDNN builds its kernels per shape on first use); DiffPure's shape is [N,…] at every step
epsNorm(unet.predict, schedule, x, { steps: epsSteps, seed: 1 });
purifier.with({ steps: [2] })(x, undefined, { seed: 1 }).dispose();
const r = timeAll({
  'eps-norm': () => epsNorm(unet.predict, schedule, x, { steps: epsSteps, seed: 1 }),
  diffpure: () => purifier(x, undefined, { seed: 1 }),
  'ssni-n': () => ssni.purify(x, { seed: 1 }),
});
emit({ workload: 'eps-norm', ...r['eps-norm']!, epsSteps });
emit({ workload: 'diffpure', ...r.diffpure!, tStar: 100, steps: K });
emit({ workload: 'ssni-n', ...r['ssni-n']!, tStar: 100, steps: K + 5, epsSteps });
emit({ workload: 'overhead', epsOverDiffpure: r['eps-norm']!.median_ms / r.diffpure!.median_ms,
  ssniOverDiffpure: r['ssni-n']!.median_ms / r.diffpure!.median_ms, epsSteps, steps: K });
x.dispose();
unet.dispose();
