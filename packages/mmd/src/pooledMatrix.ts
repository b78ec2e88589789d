import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '@robustjs/core';

/**
 * Checks a pooled kernel matrix `[N,N]` (float32, finite) and the size `nx` of its first sample, and
 * returns its values, row-major (one synchronous download).
 *
 * @internal
 */
export function readPooledMatrix(k: unknown, nx: unknown, fn: string, minEach: number): Float32Array {
  assert(k instanceof tf.Tensor && !k.isDisposed, 'INVALID_ARGUMENT', () =>
    `Argument 'k' passed to '${fn}' must be a live tf.Tensor2D pooled kernel matrix [Nx+Ny, Nx+Ny], got ${describeValue(k)}. ` +
      'Build it with pooledKernelMatrix(kernel, x, y).');
  assert(k.rank === 2 && k.shape[0] === k.shape[1], 'INVALID_ARGUMENT', () =>
    `Argument 'k' passed to '${fn}' must be a square pooled kernel matrix [Nx+Ny, Nx+Ny], got shape ${describeValue(k.shape)}.`);
  assert(k.dtype === 'float32', 'INVALID_ARGUMENT', () => `Argument 'k' passed to '${fn}' must have dtype float32, got ${k.dtype}.`);
  const n = k.shape[0] as number;
  assert(typeof nx === 'number' && Number.isInteger(nx) && nx >= minEach && n - nx >= minEach, 'INVALID_ARGUMENT', () =>
    `Argument 'nx' passed to '${fn}' must be an integer with at least ${minEach} sample(s) on each side (${minEach} ≤ nx ≤ ${n - minEach} ` +
      `for k of shape ${describeValue(k.shape)}), got ${describeValue(nx)}. It is the number of rows of k that belong to x.`);
  const data = k.dataSync() as Float32Array;
  let bad = 0;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i] as number)) bad++;
  assert(bad === 0, 'NOT_FINITE', () =>
    `Argument 'k' passed to '${fn}' must be finite, got ${bad} NaN or infinite value(s). Check the inputs and the kernel's bandwidths.`);
  return data;
}

/**
 * The p-value `(1 + #{null ≥ statistic}) / (1 + B)` and threshold (the `⌈(1−α)(B+1)⌉`-th smallest null
 * statistic) shared by the permutation test and the wild bootstrap.
 *
 * @internal
 */
export function summariseNull(statistic: number, nullStats: Float64Array, alpha: number): { statistic: number; pValue: number; threshold: number } {
  let above = 0;
  for (const s of nullStats) if (s >= statistic) above++;
  const sorted = Float64Array.from(nullStats).sort();
  const rank = Math.ceil((1 - alpha) * (nullStats.length + 1) - 1e-9); // 1-based
  return { statistic, pValue: (1 + above) / (1 + nullStats.length), threshold: sorted[rank - 1] as number };
}

/**
 * Checks that `draws` null statistics are enough for a test at level `alpha` (the threshold index exists).
 *
 * @internal
 */
export function assertEnoughDraws(draws: number, alpha: number, name: string, fn: string): void {
  const needed = Math.ceil(1 / alpha - 1 - 1e-9);
  assert(draws >= needed, 'OUT_OF_RANGE', () =>
    `Option '${name}' passed to '${fn}' must be at least ${needed} for alpha = ${alpha} (with fewer the test can never reject), got ${draws}. ` +
      `Use ${name}: 100 or more.`);
}
