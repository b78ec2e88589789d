import * as tf from '@tensorflow/tfjs';
import { assertNumber, resolveOptions } from '@robustjs/core';
import { assertBatch, assertSameFeatures } from './assertBatch';
import { pairwiseSqDistImpl } from './pairwiseSqDist';

/** Options of {@link medianSqDist}. */
export interface MedianSqDistOptions {
  /** Use at most this many leading rows of each set (the cost is quadratic); default 1000. */
  readonly maxSamples?: number;
}

const DEFAULTS = { maxSamples: 1000 } as const;

/**
 * Median of the cross-set squared distances `‖x_i − y_j‖²` over all `Nx·Ny` pairs.
 *
 * Two uses: the median heuristic for a Gaussian bandwidth (`σ = medianSqDist(x, y)` in
 * `exp(−D/σ)`), and DAD's initialisation of the deep kernel's `σ0` (the median of `D_φ(clean_i,
 * adv_j)` over the cross pairs). Deterministic: the first `maxSamples` rows of each set are used.
 *
 * @param x - first sample `[Nx,D]`, float32, finite.
 * @param y - second sample `[Ny,D]`, float32, finite, same D.
 * @param options - `maxSamples` (default 1000).
 * @returns the median (mean of the two middle values for an even count), ≥ 0.
 * @throws {@link @robustjs/core!index.RobustError} as {@link pairwiseSqDist}; `UNKNOWN_OPTION`; `OUT_OF_RANGE` for `maxSamples < 1`.
 * @example
 * ```ts
 * const sigma = medianSqDist(x, y); // bandwidth of exp(−D/σ) by the median heuristic
 * ```
 */
export function medianSqDist(x: tf.Tensor2D, y: tf.Tensor2D, options?: MedianSqDistOptions): number {
  const fn = 'medianSqDist';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  assertNumber(cfg.maxSamples, 'maxSamples', fn, { integer: true, min: 1 });
  assertBatch(x, 'x', fn, { rank2: true });
  assertBatch(y, 'y', fn, { rank2: true });
  assertSameFeatures(x, y, ['x', 'y'], fn);
  const d = tf.tidy(() => {
    const xs = tf.slice(x, [0, 0], [Math.min(x.shape[0], cfg.maxSamples), -1]); // [nx,D]
    const ys = tf.slice(y, [0, 0], [Math.min(y.shape[0], cfg.maxSamples), -1]); // [ny,D]
    return pairwiseSqDistImpl(xs, ys); // [nx,ny]
  });
  const values = Float32Array.from(d.dataSync()).sort();
  d.dispose();
  return medianOfSorted(values);
}

/** Median of an ascending array (mean of the middle pair for an even length). @internal */
export function medianOfSorted(values: ArrayLike<number>): number {
  const n = values.length;
  const mid = n >> 1;
  return n % 2 === 1 ? (values[mid] as number) : ((values[mid - 1] as number) + (values[mid] as number)) / 2;
}
