/*
 * EPS — expected perturbation score (Zhang et al., "Detecting adversarial data by probing multiple perturbations
 * using expected perturbation score", ICML 2023), as SSNI computes it (Sun et al., ICML 2025, §3;
 * [arXiv:2506.06027](https://arxiv.org/abs/2506.06027); `eps_calculation.py::get_eps` with `--single_vector_norm_flag`).
 *
 * Notation (code → paper): steps → T_S (t^S = T_S/1000), grid[k] → s = k/1000, mean/sigma → m(s), σ(s),
 * model → ε_θ, sum → Σ_s ∇ log p_s(u_s), result → ‖EPS(x)‖₂.
 *
 * 1. u0 = 2x − 1.  2. For k = 1 … T_S: z ~ N(0, I) (one draw per k), u = m(s)·u0 + σ(s)·z,
 *    score = −ε_θ(u, time(s))/σ(s).  3. EPS(x) = mean of the T_S scores (a vector per sample).
 * 4. e(x) = ‖EPS(x)‖₂ per sample.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertNumber, describeValue, resolveOptions, seedStream, untaped } from '@robustjs/core';
import { bpdaIdentity } from '@robustjs/core';
import type { Images, NoisePredictor } from '@robustjs/core';
import { describeProcess, epsGrid, type DiffusionProcess, type GridPoint } from './process';

/** Options of {@link epsNorm}. */
export interface EpsNormOptions {
  /** T_S, the number of grid points s = k/1000, k = 1 … T_S, in [1, 1000]; default `20` (CIFAR-10 setting). */
  readonly steps: number;
  /** Seed of the noise draws; default `0`. The same seed, batch split and backend give the same norms. */
  readonly seed: number;
  /**
   * Rows per model call; default `256`. Images are processed in chunks of at most `batchSize` (each chunk draws its
   * own noise), and `floor(batchSize / chunk)` grid points are stacked into one call (same result, fewer and larger
   * calls).
   */
  readonly batchSize: number;
}

/**
 * EPS norms `e(x) = ‖EPS(x)‖₂`, one per image, in image order: `[N]` float32 on the host, each ≥ 0.
 * The one type every SSNI API uses for them: {@link epsNorm}'s result, `SsniInfo.norms`,
 * `ssniPurifier(...).norms(x)` and `.last.norms`; {@link ssniTimesteps} and
 * `SsniCalibration.fromNorms` take it (or any `ArrayLike<number>`). Host memory, because the
 * timestep rule reads the values: nothing to dispose, and no gradient flows through it.
 *
 * @example
 * ```ts
 * const norms: EpsNorms = epsNorm(unet.predict, linearSchedule(), x); // Float32Array, length N
 * const rule = { tStar: 100, tau: calibration.std, bias: 5 };
 * const t = ssniTimesteps(norms, calibration, 'ssni-n', rule); // Int32Array, length N
 * ```
 */
export type EpsNorms = Float32Array;

/** Defaults of {@link epsNorm}: `steps = 20`, `seed = 0`, `batchSize = 256`. */
export const EPS_NORM_DEFAULTS: Readonly<EpsNormOptions> = Object.freeze({ steps: 20, seed: 0, batchSize: 256 });

/** Checks the model argument (internal). */
export function assertModel(model: unknown, fn: string): asserts model is NoisePredictor {
  assert(typeof model === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to '${fn}' must be a NoisePredictor (xt [N,H,W,C] in [-1,1], t [N]) => epsilon [N,H,W,C], ` +
      `got ${describeValue(model)}. For a @robustjs/diffusion Unet pass unet.predict.`);
}

/**
 * Norms of one chunk `[B,H,W,C]` → `[B]` (internal, untaped by the caller). `group` grid points are stacked into one
 * model call of `group·B` rows; each grid point keeps its own noise draw, so the result does not depend on `group`
 * (for a model that treats rows independently).
 */
function chunkNorms(model: NoisePredictor, grid: readonly GridPoint[], x: tf.Tensor4D, seeds: () => number, isInt: boolean, group: number): tf.Tensor1D {
  const n = x.shape[0];
  const u0 = tf.tidy(() => tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D);
  let sum = tf.zerosLike(u0) as tf.Tensor4D;
  for (let g0 = 0; g0 < grid.length; g0 += group) {
    const points = grid.slice(g0, g0 + group);
    const pointSeeds = points.map(() => seeds());
    const next = tf.tidy(() => {
      const u = tf.concat(points.map((g, j) => tf.add(tf.mul(u0, g.mean), tf.mul(tf.randomNormal(u0.shape, 0, 1, 'float32', pointSeeds[j]), g.sigma)))) as tf.Tensor4D; // [G·B,H,W,C]
      const t = tf.concat(points.map((g) => tf.fill([n], g.time, isInt ? 'int32' : 'float32'))) as tf.Tensor1D; // [G·B]
      const eps = model(u, t);
      assert(eps instanceof tf.Tensor && eps.shape.every((d, i) => d === u.shape[i]), 'SHAPE_MISMATCH', () =>
        `The NoisePredictor passed to 'epsNorm' must return epsilon of the input's shape ${describeValue(u.shape)}, ` +
          `got ${describeValue((eps as tf.Tensor | undefined)?.shape)}.`);
      const scale = tf.tensor4d(points.flatMap((g) => new Array<number>(n).fill(-1 / g.sigma)), [points.length * n, 1, 1, 1]); // score = −ε/σ
      const scores = tf.reshape(tf.mul(eps, scale), [points.length, ...u0.shape]); // [G,B,H,W,C]
      return tf.add(sum, tf.sum(scores, 0)) as tf.Tensor4D;
    });
    sum.dispose();
    sum = next;
  }
  const out = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.div(sum, grid.length)), [1, 2, 3])) as tf.Tensor1D); // [B]
  tf.dispose([u0, sum]);
  return out;
}

/**
 * The EPS norm of each image,
 *
 * ```math
 * e(x) = \Bigl\| \frac{1}{T_S} \sum_{k=1}^{T_S} -\frac{\epsilon_\theta(u_{s_k}, \mathrm{time}(s_k))}{\sigma(s_k)} \Bigr\|_2
 * ```
 *
 * with $`u_s = m(s)(2x - 1) + \sigma(s) z`$ on the grid $`s_k = k/1000`$ and one fresh noise draw per k (as SSNI's code): the
 * mean score vector of the perturbed points, then its L2 norm per sample. Inputs far from the data distribution
 * (e.g. adversarial examples) have larger norms.
 *
 * The model's time input: with a `NoiseSchedule` of T steps, the discrete index `i = max(round(s·T) − 1, 0)`
 * (T = 1000: `i = k − 1`, whose `ᾱ_i ≈ m(k/1000)²`) as an int32 `[N]` tensor, and the point is perturbed with that
 * index's `ᾱ_i`, so a discrete-time model sees exactly the noise level it was trained for; with a `VpSde`,
 * `999·s` as a float32 `[N]` tensor and `m(s)`, `σ(s)` of the SDE (the reference code's continuous-time path).
 * No gradient flows: the computation runs off the tape (it may be called inside `tf.grad`), and the
 * result is read back to the host ({@link EpsNorms}, as SSNI's rule needs the values); wrap it in
 * `tf.tensor1d(norms)` if you want a tensor.
 *
 * @param model - any epsilon predictor `(xt [N,H,W,C] in [−1,1], t [N]) => ε [N,H,W,C]`; nothing assumes a UNet.
 * @param process - the model's forward process: its `NoiseSchedule` (e.g. `linearSchedule()`) or a `VpSde`.
 * @param x - images `[N,H,W,C]` float32 in [0,1].
 * @param options - {@link EpsNormOptions}; defaults {@link EPS_NORM_DEFAULTS}: `steps = 20`, `seed = 0`,
 *   `batchSize = 256`.
 * @returns the norms, a `Float32Array` of length N (image order), each ≥ 0: {@link EpsNorms}.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for a non-function model, an
 *   unknown process, malformed images, `steps` outside [1, 1000], `batchSize < 1`, a non-integer seed;
 *   `UNKNOWN_OPTION` for other keys; `SHAPE_MISMATCH` when the model returns another shape. All checked before work.
 * @example
 * ```ts
 * const norms = epsNorm(unet.predict, linearSchedule(), x, { steps: 20, seed: 121 }); // length N
 * const mean = norms.reduce((a, b) => a + b, 0) / norms.length;
 * ```
 */
export function epsNorm(
  model: NoisePredictor,
  process: DiffusionProcess,
  x: Images,
  options?: Partial<EpsNormOptions>,
): EpsNorms {
  const fn = 'epsNorm';
  const o = resolveOptions(fn, EPS_NORM_DEFAULTS, options);
  assertModel(model, fn);
  describeProcess(process, fn);
  assertImages(x, 'x', fn);
  epsGrid(process, o.steps, fn);
  assertNumber(o.seed, 'seed', fn, { integer: true });
  assertNumber(o.batchSize, 'batchSize', fn, { integer: true, min: 1 });
  return epsNormUnchecked(model, process, x, o);
}

/** {@link epsNorm} after its checks (internal; shared with the purifier and calibration). */
export function epsNormUnchecked(
  model: NoisePredictor,
  process: DiffusionProcess,
  x: Images,
  o: Readonly<EpsNormOptions>,
): EpsNorms {
  const t = epsNormTensor(model, process, x, o);
  const norms = t.dataSync() as Float32Array; // stays valid after the dispose
  t.dispose();
  return norms;
}

/** The norms as a tensor `[N]`, off the tape (internal). */
function epsNormTensor(
  model: NoisePredictor,
  process: DiffusionProcess,
  x: Images,
  o: Readonly<EpsNormOptions>,
): tf.Tensor1D {
  return untaped(normsBody(model, process, o))(x);
}

/**
 * The same norms `[N]` as {@link epsNorm} (same noise draws), on the gradient tape (internal;
 * SSNI's `epsNorm` surface term): `'exact'` differentiates through ε_θ, `'bpda'` takes ε_θ's
 * Jacobian with respect to its input as the identity (BPDA, Athalye et al. 2018) while the forward
 * pass is exact.
 */
export function epsNormOnTape(
  model: NoisePredictor,
  process: DiffusionProcess,
  x: Images,
  o: Readonly<EpsNormOptions>,
  gradient: 'exact' | 'bpda',
): tf.Tensor1D {
  const bpda: NoisePredictor = (u, t) => bpdaIdentity((uu: tf.Tensor4D) => model(uu, t))(u);
  return tf.tidy(() => normsBody(gradient === 'exact' ? model : bpda, process, o)(x));
}

/** The norms' computation `[N,H,W,C]` → `[N]` (internal; taped or not by the caller). */
function normsBody(
  model: NoisePredictor,
  process: DiffusionProcess,
  o: Readonly<EpsNormOptions>,
): (x: tf.Tensor4D) => tf.Tensor1D {
  const grid = epsGrid(process, o.steps, 'epsNorm');
  const isInt = (process as { alphasCumprod?: unknown }).alphasCumprod instanceof Float64Array;
  const seeds = seedStream(o.seed);
  return ((xx: tf.Tensor4D) => {
    const n = xx.shape[0];
    const parts: tf.Tensor1D[] = [];
    for (let start = 0; start < n; start += o.batchSize) {
      const size = Math.min(o.batchSize, n - start);
      const chunk = seeds.fork(`chunk:${start}`);
      const xb = size === n ? xx : (tf.slice(xx, [start, 0, 0, 0], [size, -1, -1, -1]) as tf.Tensor4D);
      const group = Math.max(1, Math.floor(o.batchSize / Math.min(o.batchSize, n)));
      parts.push(chunkNorms(model, grid, xb, () => chunk.next() + 1, isInt, group));
      if (xb !== xx) xb.dispose();
    }
    if (parts.length === 1) return parts[0]!;
    const out = tf.concat(parts) as tf.Tensor1D;
    tf.dispose(parts);
    return out;
  });
}
