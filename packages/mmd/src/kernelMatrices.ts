import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '@robustjs/core';
import { assertBatch, assertSameFeatures } from './assertBatch';
import type { Embedding, Kernel, KernelMatrices } from './types';

/**
 * The three kernel matrices of a two-sample problem, embedding each sample once:
 * `x` `[Nx,...]`, `y` `[Ny,...]` → `Kxx` `[Nx,Nx]`, `Kyy` `[Ny,Ny]`, `Kxy` `[Nx,Ny]`.
 * Tidy; differentiable where the kernel is.
 *
 * @param kernel - any {@link Kernel} (e.g. {@link DeepKernel}, {@link createGaussianKernel}).
 * @param x - first sample `[Nx,...]`, float32, finite.
 * @param y - second sample `[Ny,...]`, same per-sample shape.
 * @returns `{ kxx, kyy, kxy }`; the caller disposes them.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` (not a kernel, rank < 2, dtype), `EMPTY_INPUT`,
 *   `NOT_FINITE`, `SHAPE_MISMATCH` (different feature sizes).
 * @example
 * ```ts
 * const { kxx, kyy, kxy } = kernelMatrices(createGaussianKernel(1), x, y);
 * const m = mmd2Unbiased(kxx, kyy, kxy);
 * ```
 */
export function kernelMatrices(kernel: Kernel, x: tf.Tensor, y: tf.Tensor): KernelMatrices {
  const fn = 'kernelMatrices';
  assertKernel(kernel, fn);
  assertBatch(x, 'x', fn);
  assertBatch(y, 'y', fn);
  assertSameFeatures(x, y, ['x', 'y'], fn);
  const [kxx, kyy, kxy] = tf.tidy(() => {
    const m = kernelMatricesImpl(kernel, kernel.embed(x), kernel.embed(y));
    return [m.kxx, m.kyy, m.kxy];
  }) as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
  return { kxx, kyy, kxy };
}

/** {@link kernelMatrices} from embeddings, without validation or tidy. @internal */
export function kernelMatricesImpl(kernel: Kernel, ex: Embedding, ey: Embedding): KernelMatrices {
  return { kxx: kernel.matrix(ex, ex), kyy: kernel.matrix(ey, ey), kxy: kernel.matrix(ex, ey) };
}

/**
 * The pooled kernel matrix of `z = [x; y]`, `[Nx+Ny, Nx+Ny]` (rows `0..Nx−1` are `x`), the input of
 * {@link permutationTest} and {@link wildBootstrap}: computed once, then permuted by index.
 * Each sample is embedded once. Tidy.
 *
 * @param kernel - any {@link Kernel}.
 * @param x - first sample `[Nx,...]`, float32, finite.
 * @param y - second sample `[Ny,...]`, same per-sample shape.
 * @returns `K` `[Nx+Ny, Nx+Ny]`.
 * @throws {@link @robustjs/core!index.RobustError} as {@link kernelMatrices}.
 * @example
 * ```ts
 * const k = pooledKernelMatrix(kernel, x, y);
 * const { pValue } = permutationTest(k, x.shape[0], { seed: 0 });
 * ```
 */
export function pooledKernelMatrix(kernel: Kernel, x: tf.Tensor, y: tf.Tensor): tf.Tensor2D {
  const fn = 'pooledKernelMatrix';
  assertKernel(kernel, fn);
  assertBatch(x, 'x', fn);
  assertBatch(y, 'y', fn);
  assertSameFeatures(x, y, ['x', 'y'], fn);
  return tf.tidy(() => {
    const ex = kernel.embed(x);
    const ey = kernel.embed(y);
    const ez = ex.map((v, i) => tf.concat([v, ey[i] as tf.Tensor2D], 0)); // [Nx+Ny,E_k] per view
    return kernel.matrix(ez, ez); // [Nx+Ny,Nx+Ny]
  });
}

/** Checks that `kernel` has `embed` and `matrix` functions. @internal */
export function assertKernel(kernel: unknown, fn: string): asserts kernel is Kernel {
  const k = kernel as Partial<Kernel> | null | undefined;
  assert(typeof k === 'object' && k !== null && typeof k.embed === 'function' && typeof k.matrix === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'kernel' passed to '${fn}' must be a Kernel {embed, matrix} (a DeepKernel or createGaussianKernel(sigma)), got ${describeValue(kernel)}.`);
}
