import * as tf from '@tensorflow/tfjs';
import { assertImages, assertNumber, gaussianNoise, resolveOptions } from '@robustjs/core';
import type { Images } from '@robustjs/core';

/** Options of {@link addClampedNoise}. */
export interface AddClampedNoiseOptions {
  /** Standard deviation of the Gaussian draw before clamping; default `0.25` (DAD). */
  readonly std?: number;
  /** Seed of the draw (an integer ≥ 1: tfjs treats 0 as unseeded); exclusive with `noise`. Default unseeded. */
  readonly seed?: number;
  /** An explicit standard-normal draw `[N,H,W,C]` (scaled by `std`, then clamped); exclusive with `seed`. */
  readonly noise?: tf.Tensor;
}

const DEFAULTS = { std: 0.25, seed: undefined as number | undefined, noise: undefined as tf.Tensor | undefined } as const;

/**
 * DAD's input noise ("S_noise"; Zhang et al., ICML 2025, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169), `train.py::train_denoiser`): `n = clip(N(0, std²), 0, 1)`
 * element-wise (negative draws become 0, a half-normal perturbation), `x_noisy = clip(x + n, 0, 1)`.
 * Tidy, differentiable with respect to `x` (identity where not clipped).
 *
 * @param x - images `[N,H,W,C]` in [0,1] (checked: rank, dtype, finite, range).
 * @param options - `std` (0.25), `seed` or `noise` (exclusive; neither draws unseeded noise).
 * @returns `[N,H,W,C]` in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` when both `seed` and `noise` are given,
 *   `SHAPE_MISMATCH` for a `noise` of another shape, `OUT_OF_RANGE` for `std < 0` or `x`
 *   outside [0,1], the other image checks of core for `x`, `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const noisy = addClampedNoise(xAdv, { seed: 7 }); // [N,H,W,C]
 * ```
 */
export function addClampedNoise(x: Images, options?: AddClampedNoiseOptions): Images {
  const fn = 'addClampedNoise';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  assertImages(x, 'x', fn);
  assertNumber(cfg.std, 'std', fn, { min: 0 });
  const source = cfg.noise !== undefined ? { noise: cfg.noise, ...(cfg.seed === undefined ? {} : { seed: cfg.seed }) } : cfg.seed === undefined ? {} : { seed: cfg.seed };
  const z = gaussianNoise(x.shape, source, fn);
  const out = tf.tidy(() => {
    const n = tf.clipByValue(tf.mul(z, cfg.std), 0, 1); // [N,H,W,C], half-normal
    return tf.clipByValue(tf.add(x, n), 0, 1) as Images;
  });
  if (z !== cfg.noise) z.dispose();
  return out;
}
