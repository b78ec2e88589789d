/**
 * The test-power objective of MMD-OPT (Liu et al. 2020, the objective Ĵ_λ maximised in their training; DAD
 * `train.py::train_mmd`; Liu et al., ICML 2020, [arXiv:2002.09116](https://arxiv.org/abs/2002.09116)).
 *
 * | variable   | paper symbol | meaning |
 * |------------|--------------|---------|
 * | `mmd2`     | MMD²_u       | unbiased estimate, {@link mmd2Unbiased} |
 * | `variance` | σ²_H1        | {@link h1Variance} |
 * | `lambda`   | λ            | regulariser inside the square root (1e−8 in both codes) |
 * | `j`        | Ĵ_λ          | `MMD²_u / sqrt(σ²_H1 + λ)` |
 *
 * Steps: 1. MMD²_u from the kernel matrices; 2. σ²_H1 from the same matrices; 3. `J = MMD²_u / sqrt(σ²_H1 + λ)`.
 * (DAD's code also adds 1e−8 to the numerator; at any useful J that changes nothing and is left out.)
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assertNumber, resolveOptions } from '@robustjs/core';
import { assertKernelMatrices } from './assertKernelMatrices';
import { h1VarianceImpl } from './h1Variance';
import { mmd2UnbiasedImpl } from './mmd2';

/** Options of {@link testPower}. */
export interface TestPowerOptions {
  /** λ > 0 inside the square root; default 1e-8. */
  readonly lambda?: number;
}

const DEFAULTS = { lambda: 1e-8 } as const;

/**
 * Test-power objective `J = MMD²_u / sqrt(σ²_H1 + λ)` from the kernel matrices of two samples of equal
 * size n: `[n,n]` ×3 → scalar. MMD-OPT maximises it. Tidy, differentiable.
 *
 * @param kxx - `k(x_i, x_j)`, `[n,n]`.
 * @param kyy - `k(y_i, y_j)`, `[n,n]`.
 * @param kxy - `k(x_i, y_j)`, `[n,n]`.
 * @param options - `lambda` (default 1e-8).
 * @returns J as a scalar tensor.
 * @throws {@link @robustjs/core!index.RobustError} as {@link mmd2Unbiased}; `UNKNOWN_OPTION`; `OUT_OF_RANGE` for λ ≤ 0.
 * @example
 * ```ts
 * const j = testPower(kxx, kyy, kxy).dataSync()[0];
 * ```
 */
export function testPower(kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D, options?: TestPowerOptions): tf.Scalar {
  const fn = 'testPower';
  const { lambda } = resolveOptions(fn, DEFAULTS, options);
  assertNumber(lambda, 'lambda', fn, { greaterThan: 0 });
  assertKernelMatrices(kxx, kyy, kxy, fn, true);
  return tf.tidy(() => testPowerImpl(kxx, kyy, kxy, lambda).j);
}

/** J with its two parts, without validation or tidy. @internal */
export function testPowerImpl(kxx: tf.Tensor2D, kyy: tf.Tensor2D, kxy: tf.Tensor2D, lambda: number): { j: tf.Scalar; mmd2: tf.Scalar; variance: tf.Scalar } {
  const mmd2 = mmd2UnbiasedImpl(kxx, kyy, kxy);
  const variance = h1VarianceImpl(kxx, kyy, kxy);
  return { j: tf.div(mmd2, tf.sqrt(tf.add(variance, lambda))), mmd2, variance };
}
