/**
 * Variance of the unbiased MMD² under H1 (Sutherland et al. 2017, "Generative Models and Model Criticism via
 * Optimized MMD", ICLR; Liu et al. 2020, code `utils_HD.py::h1_mean_var_gram`,
 * [arXiv:2002.09116](https://arxiv.org/abs/2002.09116)).
 *
 * | variable | paper symbol | meaning |
 * |----------|--------------|---------|
 * | `h`      | H            | `Kxx + Kyy − Kxy − Kxyᵀ` `[n,n]` (diagonal included) |
 * | `rowMean`| (1/n) Σ_j H_ij | `[n]` |
 * | result   | σ²_H1        | `4 (V1 − V2²)` |
 *
 * Steps:
 * 1. `h = Kxx + Kyy − Kxy − Kxyᵀ`.
 * 2. `rowMean_i = (1/n) Σ_j h_ij`; V1 = mean(rowMean²), V2 = mean(h) = mean(rowMean).
 * 3. `σ²_H1 = 4 (V1 − V2²) = 4 · mean((rowMean − mean(rowMean))²)`: the same number, computed centred, so
 *    it never cancels to a negative value in float32.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assertKernelMatrices } from './assertKernelMatrices';

/**
 * H1 variance estimate σ²_H1 of the unbiased MMD² from the kernel matrices of two samples of equal
 * size n: `[n,n]` ×3 → scalar ≥ 0. Tidy, differentiable.
 *
 * @param kxx - `k(x_i, x_j)`, `[n,n]`.
 * @param kyy - `k(y_i, y_j)`, `[n,n]`.
 * @param kxy - `k(x_i, y_j)`, `[n,n]`.
 * @returns σ²_H1 as a scalar tensor.
 * @throws {@link @robustjs/core!index.RobustError} `SHAPE_MISMATCH` (unequal sizes), `INVALID_ARGUMENT` (n < 2),
 *   `NOT_FINITE`.
 * @example
 * ```ts
 * const v = h1Variance(kxx, kyy, kxy);
 * ```
 */
export function h1Variance(kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D): tf.Scalar {
  assertKernelMatrices(kxx, kyy, kxy, 'h1Variance', true);
  return tf.tidy(() => h1VarianceImpl(kxx, kyy, kxy));
}

/** {@link h1Variance} without validation or tidy. @internal */
export function h1VarianceImpl(kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D): tf.Scalar {
  const h = tf.sub(tf.add(kxx, kyy), tf.add(kxy, tf.transpose(kxy))); // [n,n]
  const rowMean = tf.mean(h, 1); // [n]
  const centred = tf.sub(rowMean, tf.mean(rowMean)); // [n]
  return tf.mul(tf.mean(tf.square(centred)), 4);
}
