/**
 * Benchmark of @robustjs/diffusion.
 *
 *   npm run bench -w @robustjs/diffusion -- [--n 3] [--quick] [--only <substring>]
 *
 * Workloads (the `small` UNet preset, 785,057 parameters, 28×28×1, random weights — speed does not depend on them):
 * - `unet_forward`: `unet.predict` on a batch of 64 (per-sample t).
 * - `unet_input_grad`: forward + gradient wrt the input (what an attack through the purifier needs per step).
 * - `diffpure_t100_k20`: DiffPure (DDPM, η = 1) at t* = 100 with 20 steps on a batch of 64: `images_per_s`.
 * - `purifier_grad_memory`: the input gradient of DiffPure (t* = 100, batch 4) through K = 5, 10, 20, 50 steps,
 *   in `'full'` and `'checkpoint'` gradient modes: `peak_bytes` (tf.profile's peak tensor memory) and time, plus
 *   the largest relative difference between the two gradients.
 * Every line: `{workload, backend, median_ms, min_ms, n, batch, …}`; 1 warm-up run, then n timed runs, each forced
 * to completion and disposed. stdout carries only JSON lines; progress goes to stderr.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { emit, parseBenchFlags, round1, timeRuns } from '@robustjs/test-utils/bench';
import { createUnet, diffPure, linearSchedule } from '../src/index';

console.log = console.error;
console.info = console.error;
console.warn = console.error;


const opts = parseBenchFlags(process.argv.slice(2), { n: 3 });
const info = await initBackend();
const backend = [info.name, ...info.tried.filter((t) => t.name === 'native' && t.ok).map(() => 'native')].join('+');
const want = (w: string): boolean => opts.only === undefined || w.includes(opts.only);
const unet = createUnet({ preset: 'small', seed: 1 });
// random output weights so the output is not identically zero
const w = unet.namedVariables.get('out.conv.w')!;
w.assign(tf.randomNormal(w.shape, 0, 0.05, 'float32', 2));
const schedule = linearSchedule();
const batch = opts.quick ? 4 : 64;
const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
const t = tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 37) % 1000), 'int32');

if (want('unet_forward')) {
  process.stderr.write(`[unet_forward] batch ${batch}\n`);
  const r = await timeRuns(opts.n, async () => {
    const y = tf.tidy(() => unet.predict(x, t));
    await y.data();
    y.dispose();
  });
  emit({ workload: 'unet_forward', backend, ...r, n: opts.n, batch, params: unet.paramCount });
}
if (want('unet_input_grad')) {
  process.stderr.write(`[unet_input_grad] batch ${batch}\n`);
  const r = await timeRuns(opts.n, async () => {
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.square(unet.predict(v as tf.Tensor4D, t))))(x);
    await g.data();
    g.dispose();
  });
  emit({ workload: 'unet_input_grad', backend, ...r, n: opts.n, batch });
}
if (want('diffpure')) {
  const steps = opts.quick ? 5 : 20;
  process.stderr.write(`[diffpure_t100_k${steps}] batch ${batch}\n`);
  const p = diffPure(unet.predict, schedule, { t: 100, steps });
  let seed = 0;
  const r = await timeRuns(opts.n, async () => {
    const y = p(x, undefined, { seed: seed++ });
    await y.data();
    y.dispose();
  });
  emit({ workload: `diffpure_t100_k${steps}`, backend, ...r, n: opts.n, batch, images_per_s: round1((batch * 1000) / r.median_ms) });
}
if (want('purifier_grad_memory')) {
  const b = 4;
  const xs = tf.slice(x, [0, 0, 0, 0], [b, -1, -1, -1]) as tf.Tensor4D;
  const ks = opts.quick ? [2, 4] : [5, 10, 20, 50];
  for (const K of ks) {
    const grads: Record<string, Float32Array> = {};
    for (const mode of ['full', 'checkpoint'] as const) {
      const p = diffPure(unet.predict, schedule, { t: 100, steps: K, gradient: mode });
      const f = (v: tf.Tensor) => tf.sum(p.purify(v as tf.Tensor4D, { seed: 5 }));
      process.stderr.write(`[purifier_grad_memory] ${mode}, K = ${K}, batch ${b}\n`);
      const before = tf.memory().numTensors;
      const prof = await tf.profile(() => {
        const g = tf.grad(f)(xs);
        grads[mode] = g.dataSync() as Float32Array;
        g.dispose();
      });
      const r = await timeRuns(Math.min(opts.n, 2), async () => {
        const g = tf.grad(f)(xs);
        await g.data();
        g.dispose();
      });
      emit({ workload: 'purifier_grad_memory', backend, mode, steps: K, batch: b, peak_bytes: prof.peakBytes,
        ...r, n: Math.min(opts.n, 2), leaked: tf.memory().numTensors - before });
    }
    let maxRel = 0;
    const a = grads.full!;
    const c = grads.checkpoint!;
    const scale = Math.max(...Array.from(a, Math.abs));
    for (let i = 0; i < a.length; i++) maxRel = Math.max(maxRel, Math.abs(a[i]! - c[i]!) / scale);
    emit({ workload: 'purifier_grad_agreement', backend, steps: K, max_abs_diff_over_max_abs: maxRel });
  }
  xs.dispose();
}
tf.dispose([x, t]);
unet.dispose();
