import * as tf from '@tensorflow/tfjs';
import { gaussianGram } from '@robustjs/core';
import { assertBatch, assertSameFeatures } from './assertBatch';

/**
 * Pairwise squared Euclidean distances `D_ij = ‖x_i − y_j‖²`, `[Nx,D]`, `[Ny,D]` → `[Nx,Ny]`.
 *
 * Computed as `‖x‖² + ‖y‖² − 2·x·yᵀ` (one matmul, the form of DAD's `Pdist2`) after both sets are
 * shifted by the same centre (distances do not change, cancellation does: data far from the origin,
 * such as pixels in [0,1], lose fewer digits), and clamped at 0 so that rounding never yields a
 * negative distance. Differentiable in both arguments. Tidy.
 *
 * @param x - first sample `[Nx,D]`, float32, finite.
 * @param y - second sample `[Ny,D]`, float32, finite, same D.
 * @returns the distances `[Nx,Ny]`, every entry ≥ 0.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` (not rank 2, not float32),
 *   `EMPTY_INPUT`, `NOT_FINITE` (NaN or ±Inf), `SHAPE_MISMATCH` (different D).
 * @example
 * ```ts
 * const d = pairwiseSqDist(tf.tensor2d([[0, 0], [1, 1]]), tf.tensor2d([[0, 1]])); // [[1],[1]]
 * ```
 */
export function pairwiseSqDist(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const fn = 'pairwiseSqDist';
  assertBatch(x, 'x', fn, { rank2: true });
  assertBatch(y, 'y', fn, { rank2: true });
  assertSameFeatures(x, y, ['x', 'y'], fn);
  return tf.tidy(() => pairwiseSqDistImpl(x, y));
}

/** {@link pairwiseSqDist} without validation or tidy, for use inside other tidy tensor functions. @internal */
export function pairwiseSqDistImpl(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
  const { xx, yy, xy } = centredGram(x, y);
  const [nx, ny] = xy.shape;
  return tf.relu(tf.sub(tf.add(tf.reshape(xx, [nx, 1]), tf.reshape(yy, [1, ny])), tf.mul(xy, 2))) as tf.Tensor2D; // [Nx,Ny], clamped at 0
}

/**
 * The parts of the squared distances after centring both samples on their pooled mean (internal): squared norms
 * `xx [Nx]`, `yy [Ny]` and the Gram matrix `xy [Nx,Ny]`, so `‖x_i − y_j‖² = xx_i + yy_j − 2·xy_ij` (centring keeps
 * that difference accurate in float32 when the data sit far from the origin). Not tidy.
 */
export function centredGram(x: tf.Tensor2D, y: tf.Tensor2D): { xx: tf.Tensor1D; yy: tf.Tensor1D; xy: tf.Tensor2D } {
  const centre = tf.mul(tf.add(tf.mean(x, 0), tf.mean(y, 0)), 0.5); // [D]
  const xc = tf.sub(x, centre); // [Nx,D]
  const yc = tf.sub(y, centre); // [Ny,D]
  return { xx: tf.sum(tf.square(xc), 1), yy: tf.sum(tf.square(yc), 1), xy: tf.matMul(xc, yc, false, true) };
}

/**
 * `exp(−‖x_i − y_j‖²/σ)` through core's `gaussianGram` (one fused pass with @robustjs/native) on the centred Gram
 * form (internal). Not tidy.
 */
export function gaussianMatrix(x: tf.Tensor2D, y: tf.Tensor2D, sigma: number | tf.Scalar): tf.Tensor2D {
  const { xx, yy, xy } = centredGram(x, y);
  return gaussianGram(xy, xx, yy, sigma);
}
