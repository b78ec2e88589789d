import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertNumber, gaussianNoise, resolveOptions } from '@robustjs/core';
import type { NoisePredictor } from '@robustjs/core';
import { assertSchedule, type NoiseSchedule } from './schedule';
import { assertNoisePredictor } from './qSample';
import { perSample, readTimesteps, type TimestepsLike } from './timesteps';

/** Options of {@link ddimStep}. */
export interface DdimStepOptions {
  /** η: 1 → DDPM ancestral step, 0 → deterministic DDIM. Default 1. */
  readonly eta: number;
  /** The noise z `[N,H,W,C]` of a stochastic step (exclusive with `seed`). */
  readonly noise: tf.Tensor4D | undefined;
  /** Seed of z when `noise` is not given. */
  readonly seed: number | undefined;
}

const STEP_DEFAULTS: DdimStepOptions = { eta: 1, noise: undefined, seed: undefined };

/** Per-sample coefficients of one generalised step `u_b = A·u_a + B·ε̂ + C·z` (float64, internal). */
export interface StepCoefficients {
  /** Coefficient of u. */
  readonly a: Float64Array;
  /** Coefficient of the predicted noise. */
  readonly b: Float64Array;
  /** Coefficient of the fresh noise. */
  readonly c: Float64Array;
  /** Whether any sample moves (a ≠ b). */
  readonly anyMoves: boolean;
  /** Whether any sample draws noise (C ≠ 0). */
  readonly anyNoise: boolean;
}

/**
 * The coefficients of the generalised DDPM/DDIM step (Song, Meng & Ermon, DDIM, ICLR 2021,
 * [arXiv:2010.02502](https://arxiv.org/abs/2010.02502), eq. 12) from index `from[i]` to `to[i]`:
 * `û0 = (u − sqrt(1−ᾱ_a)ε̂)/sqrt(ᾱ_a)`, `c1 = η·sqrt((1 − ᾱ_a/ᾱ_b)(1−ᾱ_b)/(1−ᾱ_a))`, `c2 = sqrt(1−ᾱ_b − c1²)`,
 * `u ← sqrt(ᾱ_b)·û0 + c1·z + c2·ε̂`, rewritten as `A·u + B·ε̂ + C·z`. When a == b: A = 1, B = C = 0 exactly.
 *
 * @param schedule - the schedule.
 * @param from - indices a, in [0, T).
 * @param to - indices b ≤ a, in [−1, T).
 * @param eta - η ≥ 0.
 * @returns A, B, C per sample.
 * @example
 * ```ts
 * const c = stepCoefficients(linearSchedule(), [5], [4], 1);
 * ```
 */
export function stepCoefficients(schedule: NoiseSchedule, from: ArrayLike<number>, to: ArrayLike<number>, eta: number): StepCoefficients {
  const n = from.length;
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const c = new Float64Array(n);
  let anyMoves = false;
  let anyNoise = false;
  for (let i = 0; i < n; i++) {
    const ia = from[i]!;
    const ib = to[i]!;
    if (ia === ib) {
      a[i] = 1;
      continue;
    }
    anyMoves = true;
    const abA = schedule.alphasCumprod[ia]!;
    const abB = ib < 0 ? 1 : schedule.alphasCumprod[ib]!;
    const c1 = eta * Math.sqrt(Math.max(0, ((1 - abA / abB) * (1 - abB)) / (1 - abA)));
    const c2 = Math.sqrt(Math.max(0, 1 - abB - c1 * c1));
    const r = Math.sqrt(abB / abA);
    a[i] = r;
    b[i] = c2 - r * Math.sqrt(1 - abA);
    c[i] = c1;
    if (c1 !== 0) anyNoise = true;
  }
  return { a, b, c, anyMoves, anyNoise };
}

/**
 * Applies precomputed step coefficients (internal, unchecked): one network call, per-sample indices `from`.
 *
 * @param model - the noise predictor.
 * @param u - current images `[N,H,W,C]` in diffusion space.
 * @param from - the per-sample indices the network is evaluated at.
 * @param coef - the coefficients from {@link stepCoefficients}.
 * @param z - the fresh noise (ignored when no sample draws noise).
 * @returns the next images.
 */
export function applyStep(model: NoisePredictor, u: tf.Tensor4D, from: ArrayLike<number>, coef: StepCoefficients,
  z: tf.Tensor4D | undefined): tf.Tensor4D {
  if (!coef.anyMoves) return tf.clone(u);
  return tf.tidy(() => {
    const eps = model(u, tf.tensor1d(Int32Array.from(from), 'int32'));
    let next = tf.add(tf.mul(u, perSample(coef.a)), tf.mul(eps, perSample(coef.b)));
    if (coef.anyNoise && z !== undefined) next = tf.add(next, tf.mul(z, perSample(coef.c)));
    return next as tf.Tensor4D;
  });
}

/**
 * One generalised DDPM/DDIM step with **per-sample** indices (DDIM, [arXiv:2010.02502](https://arxiv.org/abs/2010.02502)):
 * sample i goes from index `from[i]`
 * to `to[i]` (`to[i]` may be −1, the clean end; `to[i] == from[i]` is exactly the identity for that sample,
 * which is how per-sample schedules of different lengths share one batch). One network call per step.
 *
 * @param model - epsilon predictor (`xt` in [−1,1], per-sample t).
 * @param schedule - the noise schedule.
 * @param u - images `[N,H,W,C]` at their indices `from`, in diffusion space.
 * @param from - per-sample current indices in [0, T).
 * @param to - per-sample next indices in [−1, from[i]].
 * @param options - `eta` (default 1: DDPM), `noise` or `seed` for the stochastic part.
 * @returns the images at indices `to`.
 * @throws RobustError for timesteps out of range or of another length than N, `to > from`, eta < 0, non-finite `u`.
 * @example
 * ```ts
 * const next = ddimStep(unet.predict, linearSchedule(), ut, 99, 94, { eta: 0 });
 * ```
 */
export function ddimStep(model: NoisePredictor, schedule: NoiseSchedule, u: tf.Tensor4D, from: TimestepsLike,
  to: TimestepsLike, options?: Partial<DdimStepOptions>): tf.Tensor4D {
  const fn = 'ddimStep';
  assertNoisePredictor(model, fn);
  assertSchedule(schedule, fn);
  const o = resolveOptions(fn, STEP_DEFAULTS, options);
  assertNumber(o.eta, 'eta', fn, { min: 0 });
  assertImages(u, 'u', fn, { range: [-Infinity, Infinity] });
  const n = u.shape[0];
  const a = readTimesteps(from, n, 'from', fn, 0, schedule.T - 1);
  const b = readTimesteps(to, n, 'to', fn, -1, schedule.T - 1);
  for (let i = 0; i < n; i++) {
    assert(b[i]! <= a[i]!, 'OUT_OF_RANGE', () =>
      `Argument 'to' passed to '${fn}' must not exceed 'from' (a reverse step), got to = ${b[i]} > from = ${a[i]} at sample ${i}.`);
  }
  const coef = stepCoefficients(schedule, a, b, o.eta);
  return tf.tidy(() => {
    const z = coef.anyNoise ? (gaussianNoise(u.shape, { seed: o.seed, noise: o.noise }, fn) as tf.Tensor4D) : undefined;
    return applyStep(model, u, a, coef, z);
  });
}

/**
 * The deterministic DDIM inversion step (η = 0 run forwards): from index `from[i]` to a larger `to[i]`, using the
 * noise predicted at `from`: `u_b = sqrt(ᾱ_b)·û0 + sqrt(1−ᾱ_b)·ε̂(u_a, a)` (`from` may be −1, the clean image, in
 * which case the network is evaluated at index 0). `to == from` is exactly the identity.
 *
 * @param model - epsilon predictor.
 * @param schedule - the noise schedule.
 * @param u - images at `from`, diffusion space.
 * @param from - per-sample indices in [−1, T).
 * @param to - per-sample indices in [from[i], T).
 * @returns the images at `to`.
 * @throws RobustError for timesteps out of range, `to < from`, non-finite `u`.
 * @example
 * ```ts
 * const u10 = ddimInvertStep(model, schedule, u0, -1, 10);
 * ```
 */
export function ddimInvertStep(model: NoisePredictor, schedule: NoiseSchedule, u: tf.Tensor4D, from: TimestepsLike,
  to: TimestepsLike): tf.Tensor4D {
  const fn = 'ddimInvertStep';
  assertNoisePredictor(model, fn);
  assertSchedule(schedule, fn);
  assertImages(u, 'u', fn, { range: [-Infinity, Infinity] });
  const n = u.shape[0];
  const a = readTimesteps(from, n, 'from', fn, -1, schedule.T - 1);
  const b = readTimesteps(to, n, 'to', fn, -1, schedule.T - 1);
  const A = new Float64Array(n);
  const B = new Float64Array(n);
  let moves = false;
  for (let i = 0; i < n; i++) {
    assert(b[i]! >= a[i]!, 'OUT_OF_RANGE', () =>
      `Argument 'to' passed to '${fn}' must not be below 'from' (an inversion goes up in noise), got ${b[i]} < ${a[i]} at sample ${i}.`);
    if (a[i] === b[i]) {
      A[i] = 1;
      continue;
    }
    moves = true;
    const abA = a[i]! < 0 ? 1 : schedule.alphasCumprod[a[i]!]!;
    const abB = schedule.alphasCumprod[b[i]!]!;
    const r = Math.sqrt(abB / abA);
    A[i] = r;
    B[i] = Math.sqrt(1 - abB) - r * Math.sqrt(1 - abA);
  }
  if (!moves) return tf.clone(u);
  return tf.tidy(() => {
    const eps = model(u, tf.tensor1d(Int32Array.from(a, (v) => Math.max(v, 0)), 'int32'));
    return tf.add(tf.mul(u, perSample(A)), tf.mul(eps, perSample(B))) as tf.Tensor4D;
  });
}
