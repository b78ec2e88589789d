/**
 * MMD² estimators from kernel matrices (Gretton et al., "A Kernel Two-Sample Test", JMLR 2012: MMD²_u as the
 * U-statistic of Lemma 6, MMD²_b as the V-statistic; the forms used by Liu et al. 2020 and DAD).
 *
 * | variable | paper symbol | meaning |
 * |----------|--------------|---------|
 * | `kxx`, `kyy`, `kxy` | K_XX, K_YY, K_XY | kernel matrices `[n,n]` (`[Nx,Nx]`, `[Ny,Ny]`, `[Nx,Ny]`) |
 * | `h`      | H            | `Kxx + Kyy − Kxy − Kxyᵀ`, the U-statistic kernel of pairs z_i = (x_i, y_i) |
 *
 * Unbiased (equal sizes n ≥ 2): `MMD²_u = [ΣKxx − tr Kxx + ΣKyy − tr Kyy − 2(ΣKxy − tr Kxy)] / (n(n−1))`.
 * Steps: 1. `h = Kxx + Kyy − Kxy − Kxyᵀ`; 2. zero its diagonal; 3. sum rows, then the row sums;
 * 4. divide by n(n−1). (Summing `h` entrywise before reducing, and rows before the total, keeps the
 * float32 rounding far below the statistic.)
 *
 * Biased (any sizes): `MMD²_b = mean(Kxx) + mean(Kyy) − 2·mean(Kxy)` (diagonals included; for equal
 * sizes this is DAD's `mean(Kxx + Kyy − 2Kxy)`, the detector score).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assertKernelMatrices } from './assertKernelMatrices';
import type { Mmd2Estimator } from './types';

/**
 * Unbiased MMD² (U-statistic) from the kernel matrices of two samples of equal size n:
 * `[n,n]` ×3 → scalar. Can be negative when the distributions are equal. Tidy, differentiable.
 *
 * @param kxx - `k(x_i, x_j)`, `[n,n]`.
 * @param kyy - `k(y_i, y_j)`, `[n,n]`.
 * @param kxy - `k(x_i, y_j)`, `[n,n]`.
 * @returns MMD²_u as a scalar tensor.
 * @throws {@link @robustjs/core!index.RobustError} `SHAPE_MISMATCH` (shapes disagree or unequal sample sizes),
 *   `INVALID_ARGUMENT` (n < 2, not rank 2), `NOT_FINITE` (NaN or ±Inf entries).
 * @example
 * ```ts
 * const { kxx, kyy, kxy } = kernelMatrices(kernel, x, y);
 * const m = mmd2Unbiased(kxx, kyy, kxy).dataSync()[0];
 * ```
 */
export function mmd2Unbiased(kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D): tf.Scalar {
  assertKernelMatrices(kxx, kyy, kxy, 'mmd2Unbiased', true);
  return tf.tidy(() => mmd2UnbiasedImpl(kxx, kyy, kxy));
}

/**
 * Biased MMD² (V-statistic) from the kernel matrices of two samples of sizes Nx and Ny:
 * `[Nx,Nx]`, `[Ny,Ny]`, `[Nx,Ny]` → scalar ≥ 0 (up to rounding). DAD's detector score and denoiser loss.
 * Tidy, differentiable.
 *
 * @param kxx - `k(x_i, x_j)`, `[Nx,Nx]`.
 * @param kyy - `k(y_i, y_j)`, `[Ny,Ny]`.
 * @param kxy - `k(x_i, y_j)`, `[Nx,Ny]`.
 * @returns MMD²_b as a scalar tensor.
 * @throws {@link @robustjs/core!index.RobustError} `SHAPE_MISMATCH`, `INVALID_ARGUMENT`, `EMPTY_INPUT`, `NOT_FINITE`.
 * @example
 * ```ts
 * const m = mmd2Biased(kxx, kyy, kxy);
 * ```
 */
export function mmd2Biased(kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D): tf.Scalar {
  assertKernelMatrices(kxx, kyy, kxy, 'mmd2Biased', false);
  return tf.tidy(() => mmd2BiasedImpl(kxx, kyy, kxy));
}

/** Mean of a matrix, rows first (float32 sums over n terms, not n²). @internal */
export function mean2(m: tf.Tensor2D): tf.Scalar {
  return tf.mean(tf.mean(m, 1));
}

/** {@link mmd2Unbiased} without validation or tidy. @internal */
export function mmd2UnbiasedImpl(kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D): tf.Scalar {
  const n = kxx.shape[0];
  const h = tf.sub(tf.add(kxx, kyy), tf.add(kxy, tf.transpose(kxy))); // [n,n]
  const offDiagonal = tf.mul(h, tf.sub(1, tf.eye(n))); // [n,n], diagonal zeroed
  return tf.div(tf.sum(tf.sum(offDiagonal, 1)), n * (n - 1));
}

/** {@link mmd2Biased} without validation or tidy. @internal */
export function mmd2BiasedImpl(kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D): tf.Scalar {
  if (kxx.shape[0] === kyy.shape[0]) return mean2(tf.sub(tf.add(kxx, kyy), tf.mul(kxy, 2))); // equal sizes: entrywise first
  return tf.sub(tf.add(mean2(kxx), mean2(kyy)), tf.mul(mean2(kxy), 2));
}

/**
 * The MMD² estimators by name, unvalidated and untidied (for use inside other tensor functions):
 * `MMD2_ESTIMATORS[estimator](kxx, kyy, kxy)` → scalar.
 *
 * @example
 * ```ts
 * const m = tf.tidy(() => MMD2_ESTIMATORS['biased'](kxx, kyy, kxy));
 * ```
 */
export const MMD2_ESTIMATORS: Readonly<Record<Mmd2Estimator, (kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D) => tf.Scalar>> = Object.freeze({
  unbiased: mmd2UnbiasedImpl,
  biased: mmd2BiasedImpl,
});
