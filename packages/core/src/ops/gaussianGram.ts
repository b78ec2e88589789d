/*
 * The Gaussian kernel matrix from a Gram matrix and squared norms, `K = exp(−max(xx_i + yy_j − 2·G_ij, 0)/σ)`: the
 * element-wise tail of every MMD kernel. One op with two implementations: the fused kernels `RobustGaussianGram` /
 * `RobustGaussianGramGrad` of @robustjs/native (one pass over the matrix on every core, forward and gradient) when
 * the active backend has them, else tfjs ops. Gradients flow to G, xx, yy and a tensor σ.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';
import { assertNumber } from '../validate/assertNumber';

/**
 * Name of the fused forward kernel: inputs `{ gram [n,m], xx [n], yy [m], sigma [] }`, output `K [n,m]` float32.
 * Registered by `@robustjs/native`.
 *
 * @example
 * ```ts
 * const fused = tf.getKernel(GAUSSIAN_GRAM_KERNEL, tf.getBackend()) !== undefined;
 * ```
 */
export const GAUSSIAN_GRAM_KERNEL = 'RobustGaussianGram';

/**
 * Name of the fused gradient kernel: inputs `{ gram, xx, yy, sigma, k, dk }` (k: the forward output), outputs
 * `[dGram [n,m], dxx [n], dyy [m], dSigma []]`.
 *
 * @example
 * ```ts
 * const fusedGrad = tf.getKernel(GAUSSIAN_GRAM_GRAD_KERNEL, 'wasm') !== undefined;
 * ```
 */
export const GAUSSIAN_GRAM_GRAD_KERNEL = 'RobustGaussianGramGrad';

function describe(t: unknown): string {
  return t instanceof tf.Tensor ? `${t.dtype} [${t.shape.join(',')}]` : describeValue(t);
}

/** The tfjs-op composition (any backend). */
function composite(gram: tf.Tensor2D, xx: tf.Tensor1D, yy: tf.Tensor1D, sigma: number | tf.Scalar): tf.Tensor2D {
  return tf.tidy(() => {
    const [n, m] = gram.shape;
    const d = tf.relu(tf.sub(tf.add(tf.reshape(xx, [n, 1]), tf.reshape(yy, [1, m])), tf.mul(gram, 2))); // [n,m] ≥ 0
    return tf.exp(tf.neg(tf.div(d, sigma))) as tf.Tensor2D;
  });
}

let fusedOp: ((g: tf.Tensor, xx: tf.Tensor, yy: tf.Tensor, s: tf.Tensor) => tf.Tensor) | undefined;

function fused(): (g: tf.Tensor, xx: tf.Tensor, yy: tf.Tensor, s: tf.Tensor) => tf.Tensor {
  fusedOp ??= tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [gram, xx, yy, sigma, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const value = tf.engine().runKernel(GAUSSIAN_GRAM_KERNEL, { gram, xx, yy, sigma }, {}) as tf.Tensor;
    save([gram, xx, yy, sigma, value]);
    const gradFunc = (dk: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
      const [g, a, b, s, k] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.engine().runKernel(GAUSSIAN_GRAM_GRAD_KERNEL, { gram: g, xx: a, yy: b, sigma: s, k, dk }, {}) as tf.Tensor[];
    };
    return { value, gradFunc };
  }) as unknown as (g: tf.Tensor, xx: tf.Tensor, yy: tf.Tensor, s: tf.Tensor) => tf.Tensor;
  return fusedOp;
}

/**
 * Whether {@link gaussianGram} runs the fused kernels on the active backend (both `RobustGaussianGram` and
 * `RobustGaussianGramGrad` registered, as `@robustjs/native` does on wasm and cpu).
 *
 * @returns true when the fused path is taken.
 * @example
 * ```ts
 * console.log(gaussianGramIsFused() ? 'fused' : 'tfjs ops');
 * ```
 */
export function gaussianGramIsFused(): boolean {
  const b = tf.getBackend();
  return tf.getKernel(GAUSSIAN_GRAM_KERNEL, b) !== undefined && tf.getKernel(GAUSSIAN_GRAM_GRAD_KERNEL, b) !== undefined;
}

/**
 * The Gaussian kernel matrix `K_ij = exp(−max(xx_i + yy_j − 2·gram_ij, 0)/σ)` from a Gram matrix `gram = a·bᵀ` and the
 * squared row norms `xx = ‖a_i‖²`, `yy = ‖b_j‖²`: `exp(−‖a_i − b_j‖²/σ)` with the squared distance clamped at 0 (it
 * can come out slightly negative in float32). With `@robustjs/native` registered, forward and gradient are one fused
 * pass each over the matrix on every core; otherwise tfjs ops compute the same values (to float32 rounding).
 * Differentiable in `gram`, `xx`, `yy` and a tensor `sigma` (a learned bandwidth). Shapes are checked; values are not
 * read.
 *
 * @param gram - `[n,m]` float32, `a·bᵀ`.
 * @param xx - `[n]` float32 squared norms of the rows of a.
 * @param yy - `[m]` float32 squared norms of the rows of b.
 * @param sigma - the bandwidth σ > 0: a number, or a float32 scalar tensor (then its gradient flows).
 * @returns `[n,m]` float32 in (0, 1].
 * @throws {@link RobustError} `SHAPE_MISMATCH` for gram not rank-2 float32 or xx / yy not `[n]` / `[m]` float32;
 *   `INVALID_ARGUMENT` for a sigma that is neither a finite number nor a float32 scalar tensor; `OUT_OF_RANGE` for a
 *   number sigma ≤ 0.
 * @example
 * ```ts
 * const k = gaussianGram(tf.matMul(a, b, false, true), tf.sum(tf.square(a), 1), tf.sum(tf.square(b), 1), 2 * 128);
 * ```
 */
export function gaussianGram(gram: tf.Tensor2D, xx: tf.Tensor1D, yy: tf.Tensor1D, sigma: number | tf.Scalar): tf.Tensor2D {
  const fn = 'gaussianGram';
  assert(gram instanceof tf.Tensor && gram.rank === 2 && gram.dtype === 'float32', 'SHAPE_MISMATCH', () =>
    `Argument 'gram' passed to '${fn}' must be a float32 matrix [n,m], got ${describe(gram)}.`);
  const [n, m] = gram.shape;
  for (const [v, name, len] of [[xx, 'xx', n], [yy, 'yy', m]] as const) {
    assert(v instanceof tf.Tensor && v.rank === 1 && v.shape[0] === len && v.dtype === 'float32', 'SHAPE_MISMATCH', () =>
      `Argument '${name}' passed to '${fn}' must be float32 [${len}] (one squared norm per ${name === 'xx' ? 'row' : 'column'} of gram), got ${describe(v)}.`);
  }
  if (sigma instanceof tf.Tensor) {
    assert(sigma.rank === 0 && sigma.dtype === 'float32' && !sigma.isDisposed, 'INVALID_ARGUMENT', () =>
      `Argument 'sigma' passed to '${fn}' must be a number or a live float32 scalar tensor, got ${describe(sigma)}.`);
  } else {
    assertNumber(sigma, 'sigma', fn, { greaterThan: 0 });
  }
  if (gram.size === 0 || !gaussianGramIsFused()) return composite(gram, xx, yy, sigma);
  return tf.tidy(() => fused()(gram, xx, yy, typeof sigma === 'number' ? tf.scalar(sigma) : sigma) as tf.Tensor2D);
}
