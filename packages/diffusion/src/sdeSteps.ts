import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertNumber, describeValue, gaussianNoise, resolveOptions } from '@robustjs/core';
import type { NoisePredictor } from '@robustjs/core';
import { assertNoisePredictor } from './qSample';
import { perSample } from './timesteps';
import type { VpSde } from './vpSde';

/** Options of {@link vpSdeStep} and {@link probabilityFlowStep}. */
export interface SdeStepOptions {
  /** The noise z (reverse SDE only; exclusive with `seed`). */
  readonly noise: tf.Tensor4D | undefined;
  /** Seed of z when `noise` is not given. */
  readonly seed: number | undefined;
  /**
   * The discrete horizon of the network: it is called with the real-valued time `(T − 1)·s` (the convention of
   * the Score-SDE CIFAR-10 model, `999·s`). Default 1000.
   */
  readonly T: number;
}

const DEFAULTS: SdeStepOptions = { noise: undefined, seed: undefined, T: 1000 };

function readPerSample(v: unknown, n: number, name: string, fn: string, min: number, max: number): Float64Array {
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : (v as ArrayLike<number>);
  assert(arr !== null && typeof arr === 'object' && typeof arr.length === 'number' || typeof v === 'number', 'INVALID_ARGUMENT', () =>
    `Argument '${name}' passed to '${fn}' must be a number or an array of ${n} numbers, got ${describeValue(v)}.`);
  assert(arr.length === n, 'SHAPE_MISMATCH', () => `Argument '${name}' passed to '${fn}' must have ${n} entries (one per image), got ${arr.length}.`);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = arr[i]!;
    assert(Number.isFinite(x) && x >= min && x <= max, 'OUT_OF_RANGE', () =>
      `Argument '${name}' passed to '${fn}' must hold values in [${min}, ${max}], got ${describeValue(x)} at sample ${i}.`);
    out[i] = x;
  }
  return out;
}

function sdeUpdate(kind: 'sde' | 'ode', model: NoisePredictor, sde: VpSde, u: tf.Tensor4D, s: unknown, ds: unknown,
  options: Partial<SdeStepOptions> | undefined, fn: string): tf.Tensor4D {
  assertNoisePredictor(model, fn);
  const o = resolveOptions(fn, DEFAULTS, options);
  assertNumber(o.T, 'T', fn, { integer: true, min: 2 });
  assertImages(u, 'u', fn, { range: [-Infinity, Infinity] });
  const n = u.shape[0];
  const sv = readPerSample(s, n, 's', fn, 1e-6, 1);
  const dv = readPerSample(ds, n, 'ds', fn, 0, 1);
  const z = kind === 'sde' ? () => gaussianNoise(u.shape, { seed: o.seed, noise: o.noise }, fn) as tf.Tensor4D : undefined;
  return sdeStepUnchecked(kind, model, sde, u, sv, dv, o.T, z);
}

/**
 * One Euler(–Maruyama) step without checks (internal): per-sample times `sv` and steps `dv` (Δs = 0 leaves a
 * sample exactly unchanged); `z` draws the noise of the reverse SDE.
 */
export function sdeStepUnchecked(kind: 'sde' | 'ode', model: NoisePredictor, sde: VpSde, u: tf.Tensor4D,
  sv: ArrayLike<number>, dv: ArrayLike<number>, T: number, z: (() => tf.Tensor4D) | undefined): tf.Tensor4D {
  const n = u.shape[0];
  const A = new Float64Array(n);
  const B = new Float64Array(n);
  const C = new Float64Array(n);
  let moves = false;
  for (let i = 0; i < n; i++) {
    const d = dv[i]!;
    if (d === 0) {
      A[i] = 1;
      continue;
    }
    moves = true;
    const beta = sde.beta(sv[i]!);
    const sigma = sde.sigma(sv[i]!);
    A[i] = 1 + 0.5 * beta * d;
    B[i] = (kind === 'sde' ? -beta * d : -0.5 * beta * d) / sigma;
    C[i] = kind === 'sde' ? Math.sqrt(beta * d) : 0;
  }
  if (!moves) return tf.clone(u);
  return tf.tidy(() => {
    const eps = model(u, tf.tensor1d(Float32Array.from(sv, (x) => (T - 1) * x)));
    let next = tf.add(tf.mul(u, perSample(A)), tf.mul(eps, perSample(B)));
    if (kind === 'sde' && z !== undefined) next = tf.add(next, tf.mul(z(), perSample(C)));
    return next as tf.Tensor4D;
  });
}

/**
 * One reverse-time Euler–Maruyama step of the VP-SDE (Song et al., ICLR 2021,
 * [arXiv:2011.13456](https://arxiv.org/abs/2011.13456); DiffPure's sampler), per sample:
 * `u ← u + Δs·[½β(s)u + β(s)·score(u,s)] + sqrt(β(s)Δs)·z` with `score = −ε̂(u, (T−1)s)/σ(s)`, going from `s` to
 * `s − Δs`. A sample with `Δs = 0` is left exactly unchanged (the masked update of per-sample SDE solves).
 *
 * @param model - epsilon predictor.
 * @param sde - the VP-SDE ({@link vpSde}).
 * @param u - images at times `s`, diffusion space.
 * @param s - per-sample current time in (0, 1] (array or one number).
 * @param ds - per-sample step Δs ≥ 0 (array or one number).
 * @param options - `noise` or `seed`; `T` (default 1000) of the network's time input.
 * @returns the images at `s − Δs`.
 * @throws RobustError for s outside (0,1], Δs outside [0,1], lengths other than N, non-finite u.
 * @example
 * ```ts
 * const next = vpSdeStep(unet.predict, vpSde(), u, 0.1, 1e-3, { seed: 0 });
 * ```
 */
export function vpSdeStep(model: NoisePredictor, sde: VpSde, u: tf.Tensor4D, s: number | readonly number[],
  ds: number | readonly number[], options?: Partial<SdeStepOptions>): tf.Tensor4D {
  return sdeUpdate('sde', model, sde, u, s, ds, options, 'vpSdeStep');
}

/**
 * One Euler step of the probability-flow ODE of the VP-SDE, per sample (deterministic):
 * `u ← u + Δs·[½β(s)u + ½β(s)·score(u,s)]`, from `s` to `s − Δs`. `Δs = 0` leaves a sample unchanged.
 *
 * @param model - epsilon predictor.
 * @param sde - the VP-SDE.
 * @param u - images at times `s`, diffusion space.
 * @param s - per-sample current time in (0, 1].
 * @param ds - per-sample step Δs ≥ 0.
 * @param options - `T` (default 1000) of the network's time input.
 * @returns the images at `s − Δs`.
 * @throws RobustError as {@link vpSdeStep}.
 * @example
 * ```ts
 * const next = probabilityFlowStep(unet.predict, vpSde(), u, 0.1, 1e-3);
 * ```
 */
export function probabilityFlowStep(model: NoisePredictor, sde: VpSde, u: tf.Tensor4D, s: number | readonly number[],
  ds: number | readonly number[], options?: Partial<SdeStepOptions>): tf.Tensor4D {
  return sdeUpdate('ode', model, sde, u, s, ds, options, 'probabilityFlowStep');
}
