import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue } from '@robustjs/core';
import { assertBatch, assertSameFeatures } from './assertBatch';
import { gaussianMatrix } from './pairwiseSqDist';
import type { Embedding, Kernel } from './types';

/**
 * Gaussian kernel matrix `K_ij = exp(−‖x_i − y_j‖² / σ)`, `[Nx,D]`, `[Ny,D]` → `[Nx,Ny]`.
 *
 * `σ` divides the *squared* distance (the parametrisation of DAD and Liu et al. 2020, no factor 2);
 * the median heuristic is therefore `σ = medianSqDist(x, y)`. Differentiable in `x`, `y` and a
 * tensor `sigma`. Tidy.
 *
 * @param x - first sample `[Nx,D]`, float32, finite.
 * @param y - second sample `[Ny,D]`, float32, finite, same D.
 * @param sigma - the bandwidth σ > 0: a number or a scalar tensor (e.g. a `tf.Variable` being trained).
 * @returns the kernel matrix `[Nx,Ny]`, entries in (0,1].
 * @throws {@link @robustjs/core!index.RobustError} as {@link pairwiseSqDist}; `OUT_OF_RANGE` when a number `sigma` is ≤ 0,
 *   `INVALID_ARGUMENT` when `sigma` is neither a finite number nor a scalar tensor.
 * @example
 * ```ts
 * const k = gaussianKernel(x, y, medianSqDist(x, y)); // [Nx,Ny]
 * ```
 */
export function gaussianKernel(x: tf.Tensor2D, y: tf.Tensor2D, sigma: number | tf.Scalar): tf.Tensor2D {
  const fn = 'gaussianKernel';
  assertBatch(x, 'x', fn, { rank2: true });
  assertBatch(y, 'y', fn, { rank2: true });
  assertSameFeatures(x, y, ['x', 'y'], fn);
  assertSigma(sigma, fn);
  return tf.tidy(() => gaussianMatrix(x, y, sigma));
}

/**
 * The Gaussian kernel `exp(−‖a − b‖² / σ)` as a {@link Kernel} for the functions that take one
 * ({@link kernelMatrices}, {@link pooledKernelMatrix}, {@link blockwiseMmd}): a batch `[N,...]` is
 * flattened to one view `[N,D]`.
 *
 * @param sigma - the bandwidth σ > 0 (number or scalar tensor; a tensor is not copied, keep it alive).
 * @returns the kernel.
 * @throws {@link @robustjs/core!index.RobustError} `OUT_OF_RANGE` when a number `sigma` is ≤ 0.
 * @example
 * ```ts
 * const kernel = createGaussianKernel(medianSqDist(x, y));
 * const { kxx, kyy, kxy } = kernelMatrices(kernel, x, y);
 * ```
 */
export function createGaussianKernel(sigma: number | tf.Scalar): Kernel {
  assertSigma(sigma, 'createGaussianKernel');
  return {
    embed: (x: tf.Tensor): Embedding => [tf.reshape(x, [x.shape[0] as number, -1])], // [N,D]
    matrix: (a: Embedding, b: Embedding): tf.Tensor2D =>
      gaussianMatrix(a[0] as tf.Tensor2D, b[0] as tf.Tensor2D, sigma), // [Nx,Ny]
  };
}

function assertSigma(sigma: unknown, fn: string): void {
  if (sigma instanceof tf.Tensor) {
    assert(sigma.rank === 0 && !sigma.isDisposed, 'INVALID_ARGUMENT', () =>
      `Argument 'sigma' passed to '${fn}' must be a live scalar tensor or a number, got a tensor of shape ${describeValue(sigma.shape)}.`);
    return;
  }
  assertNumber(sigma, 'sigma', fn, { greaterThan: 0 });
}
