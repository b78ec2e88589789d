/**
 * Benchmark of the Score-SDE DDPM++ port (random weights: speed does not depend on them).
 *
 *   ROBUSTJS_BACKEND=wasm [ROBUSTJS_NATIVE=0] nice -n 10 npm run bench:ddpmpp -w @robustjs/diffusion \
 *     -- [--n 3] [--only <substring>] [--reduced] [--mode both|checkpoint|full]
 *
 * Workloads (batch 1, 32×32×3; the full config is cifar10_ddpmpp_deep_continuous, 106,632,579
 * parameters; `--reduced` uses nf 64, 2 res blocks per level for the gradient workloads):
 * - `ddpmpp_forward`: one `predict` (s per image = median_ms / 1000).
 * - `ddpmpp_input_grad`: forward + gradient wrt the input, with tf.profile's peak tensor bytes.
 * - `ddpmpp_diffpure_t100_sde`: DiffPure at t* = 100 with the VP-SDE Euler–Maruyama solver and 100
 *   steps (DiffPure's torchsde `euler`, dt = 1e-3), one run.
 * - `ddpmpp_surrogate_grad`: one PGD+EOT gradient (one EOT draw; loss = sum of the purified image,
 *   the classifier left out) through DiffPure's 20-step DDPM surrogate at t* = 100, in `'full'` and
 *   `'checkpoint'` gradient modes: peak tensor bytes, time, and the two gradients' largest
 *   difference.
 * stdout carries only JSON lines; progress goes to stderr.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { emit, parseBenchFlags, timeRuns } from '@robustjs/test-utils/bench';
import { diffPure, linearSchedule } from '../src/index';
import { ddpmpp } from '../src/torch/ddpmpp';
import type { DdpmppConfig } from '../src/torch/ddpmppConfig';
import { ddpmppRandomWeights } from '../src/torch/ddpmppRandomWeights';

console.log = console.error;
console.info = console.error;
console.warn = console.error;

const opts = parseBenchFlags(process.argv.slice(2), {
  n: 3, values: { mode: { type: 'string', default: 'both' } } }, ['reduced']);
const info = await initBackend();
const backend = [info.name, ...info.tried.filter((t) => t.name === 'native' && t.ok).map(() => 'native')].join('+');
const want = (w: string): boolean => opts.only === undefined || w.includes(opts.only);
const reduced = opts.flags.reduced === true;
const REDUCED: Partial<DdpmppConfig> = { nf: 64, numResBlocks: 2 };
const log = (s: string): void => void process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`);

const cpuSeconds = (c: NodeJS.CpuUsage): number => Math.round((c.user + c.system) / 1e3) / 1e3;

/** Wall time (timeRuns) and this process's CPU time (user + system) of `runs` runs, in s per run. */
async function timed(runs: number, run: () => Promise<void>): Promise<Record<string, number>> {
  const c0 = process.cpuUsage();
  const r = await timeRuns(runs, run);
  const c = process.cpuUsage(c0);
  // timeRuns adds one warm-up run
  return { ...r, cpu_s: cpuSeconds(c) / (runs + 1) };
}

/**
 * tf.profile's peak tensor bytes of `run`, keeping only the record of the peak kernel: tf.profile
 * computes the peak as `Math.max(...kernels)`, which overflows the call stack for the hundreds of
 * thousands of kernels of a gradient through 20 full-size network calls.
 */
async function peakBytes(run: () => void): Promise<number> {
  const prof = await tf.profile(() => {
    // tfjs 4.22 internals: the profile's kernel list, pushed to once per kernel
    const active = (tf.engine() as unknown as { state: { activeProfile: { kernels: unknown[] } } })
      .state.activeProfile;
    const kept: { totalBytesSnapshot: number }[] = [];
    kept.push = (k) => {
      if (kept.length === 0 || k.totalBytesSnapshot > kept[0]!.totalBytesSnapshot) kept[0] = k;
      return kept.length;
    };
    active.kernels = kept;
    run();
  });
  return prof.peakBytes;
}

function build(config: Partial<DdpmppConfig> | undefined): ReturnType<typeof ddpmpp> {
  return ddpmpp(config, ddpmppRandomWeights(config, 1));
}

const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 3) as tf.Tensor4D;
const images = tf.randomUniform([1, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
const t = tf.tensor1d([99], 'int32');
const schedule = linearSchedule();
let model = build(undefined);
const config = 'full';
log(`backend ${backend}, ${model.paramCount} parameters`);

if (want('ddpmpp_forward')) {
  const r = await timed(opts.n, async () => {
    const y = tf.tidy(() => model.predict(x, t));
    await y.data();
    y.dispose();
  });
  emit({ workload: 'ddpmpp_forward', backend, config, ...r, n: opts.n, batch: 1,
    s_per_image: r.median_ms! / 1000, cpu_s_per_image: r.cpu_s, params: model.paramCount });
}
if (want('ddpmpp_diffpure_t100_sde')) {
  log('[ddpmpp_diffpure_t100_sde] 100 steps');
  const p = diffPure(model.predict, schedule, { t: 100, steps: 100, solver: 'sde' });
  const c0 = process.cpuUsage();
  const start = performance.now();
  const y = p(images, undefined, { seed: 1 });
  await y.data();
  y.dispose();
  const c = process.cpuUsage(c0);
  emit({ workload: 'ddpmpp_diffpure_t100_sde', backend, config, n: 1, batch: 1, steps: 100,
    s_per_image: Math.round(performance.now() - start) / 1000,
    cpu_s_per_image: cpuSeconds(c) });
}
if (reduced) {
  model.dispose();
  model = build(REDUCED);
}
const gradConfig = reduced ? 'reduced nf 64, numResBlocks 2' : 'full';
if (want('ddpmpp_input_grad')) {
  const f = (v: tf.Tensor): tf.Scalar => tf.sum(model.predict(v as tf.Tensor4D, t));
  const peak = await peakBytes(() => tf.grad(f)(x).dispose());
  const r = await timed(Math.min(opts.n, 2), async () => {
    const g = tf.grad(f)(x);
    await g.data();
    g.dispose();
  });
  emit({ workload: 'ddpmpp_input_grad', backend, config: gradConfig, params: model.paramCount, ...r,
    n: Math.min(opts.n, 2), batch: 1, peak_bytes: peak });
}
if (want('ddpmpp_surrogate_grad')) {
  const grads: Record<string, Float32Array> = {};
  const modes = (['checkpoint', 'full'] as const).filter((m) => opts.values.mode === 'both' ||
    opts.values.mode === m);
  for (const mode of modes) {
    log(`[ddpmpp_surrogate_grad] ${mode}, K = 20`);
    const p = diffPure(model.predict, schedule, { t: 100, steps: 20, gradient: mode });
    const f = (v: tf.Tensor): tf.Scalar => tf.sum(p.purify(v as tf.Tensor4D, { seed: 5 }));
    const before = tf.memory().numTensors;
    const start = performance.now();
    const c0 = process.cpuUsage();
    try {
      const peak = await peakBytes(() => {
        const g = tf.grad(f)(images);
        grads[mode] = g.dataSync() as Float32Array;
        g.dispose();
      });
      emit({ workload: 'ddpmpp_surrogate_grad', backend, config: gradConfig, params: model.paramCount,
        mode, steps: 20, t: 100, eot: 1, batch: 1, peak_bytes: peak,
        s: Math.round(performance.now() - start) / 1000,
        cpu_s: cpuSeconds(process.cpuUsage(c0)),
        leaked: tf.memory().numTensors - before });
    } catch (e) {
      emit({ workload: 'ddpmpp_surrogate_grad', backend, config: gradConfig, mode, steps: 20,
        failed: String((e as Error).message).slice(0, 300), ms: Math.round(performance.now() - start) });
    }
  }
  const a = grads.full;
  const c = grads.checkpoint;
  if (a !== undefined && c !== undefined) {
    const scale = Math.max(...Array.from(a, Math.abs));
    let maxRel = 0;
    for (let i = 0; i < a.length; i++) maxRel = Math.max(maxRel, Math.abs(a[i]! - c[i]!) / scale);
    emit({ workload: 'ddpmpp_surrogate_grad_agreement', backend, config: gradConfig,
      max_abs_diff_over_max_abs: maxRel });
  }
}
tf.dispose([x, images, t]);
model.dispose();
