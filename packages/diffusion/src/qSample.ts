import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, gaussianNoise, resolveOptions } from '@robustjs/core';
import { assertSchedule, type NoiseSchedule } from './schedule';
import { perSample, readTimesteps, type TimestepsLike } from './timesteps';

/** Options of {@link qSample}: the noise, given or drawn from a seed. */
export interface QSampleOptions {
  /** The noise z `[N,H,W,C]` (exclusive with `seed`). */
  readonly noise?: tf.Tensor4D;
  /** Seed of the drawn noise when `noise` is not given. */
  readonly seed?: number;
}

const QSAMPLE_DEFAULTS = { noise: undefined as tf.Tensor4D | undefined, seed: undefined as number | undefined } as const;

/**
 * Forward noising to per-sample indices, $`u_t = \sqrt{\bar\alpha_t}\,u_0 + \sqrt{1 - \bar\alpha_t}\,z`$ (Ho et al.,
 * NeurIPS 2020, [arXiv:2006.11239](https://arxiv.org/abs/2006.11239), eq. 4).
 * Works in the diffusion range [−1,1]; see {@link toDiffusionRange}.
 *
 * @param schedule - the noise schedule.
 * @param u0 - clean images `[N,H,W,C]` in [−1,1].
 * @param t - per-sample indices in [0, T) (`[N]` tensor, array, or one number).
 * @param options - `noise` or `seed`.
 * @returns `u_t`, `[N,H,W,C]`.
 * @throws RobustError for a malformed `u0`, timesteps outside [0, T) or of another length than N, noise of
 *   another shape, `UNKNOWN_OPTION` for another option key (a misspelt `seed` never draws unseeded noise).
 * @example
 * ```ts
 * const ut = qSample(linearSchedule(), toDiffusionRange(x), 99, { seed: 1 });
 * ```
 */
export function qSample(schedule: NoiseSchedule, u0: tf.Tensor4D, t: TimestepsLike, options: QSampleOptions = {}): tf.Tensor4D {
  const fn = 'qSample';
  const opts = resolveOptions(fn, QSAMPLE_DEFAULTS, options);
  assertSchedule(schedule, fn);
  assertImages(u0, 'u0', fn, { range: [-1, 1] });
  const idx = readTimesteps(t, u0.shape[0], 't', fn, 0, schedule.T - 1);
  return tf.tidy(() => {
    const z = gaussianNoise(u0.shape, opts, fn) as tf.Tensor4D;
    return qSampleUnchecked(schedule, u0, idx, z);
  });
}

/** {@link qSample} without checks, for indices already read (internal). */
export function qSampleUnchecked(schedule: NoiseSchedule, u0: tf.Tensor4D, idx: ArrayLike<number>, z: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const a = Array.from(idx, (i) => (i < 0 ? 1 : schedule.alphasCumprod[i]!));
    return tf.add(tf.mul(u0, perSample(a.map(Math.sqrt))), tf.mul(z, perSample(a.map((v) => Math.sqrt(1 - v)))));
  });
}

/**
 * Maps images from [0,1] (classifier space) to [−1,1] (diffusion space): `u = 2x − 1`.
 *
 * @param x - images in [0,1].
 * @returns `2x − 1`.
 * @example
 * ```ts
 * const u = toDiffusionRange(tf.ones([1, 2, 2, 1])); // all 1
 * ```
 */
export function toDiffusionRange(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.sub(tf.mul(x, 2), 1));
}

/**
 * Maps images from [−1,1] back to [0,1] and clips: `x = clip((u + 1)/2, 0, 1)`.
 *
 * @param u - images in diffusion space.
 * @returns images in [0,1].
 * @example
 * ```ts
 * const x = fromDiffusionRange(tf.zeros([1, 2, 2, 1])); // all 0.5
 * ```
 */
export function fromDiffusionRange(u: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.clipByValue(tf.mul(tf.add(u, 1), 0.5), 0, 1) as tf.Tensor4D);
}

/** Checks that `model` is a function (a NoisePredictor). */
export function assertNoisePredictor(model: unknown, fn: string): void {
  assert(typeof model === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to '${fn}' must be a NoisePredictor function (xt [N,H,W,C] in [-1,1], t [N]) => epsilon, ` +
      `got ${typeof model}. For a Unet use unet.predict.`);
}
