import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '@robustjs/core';

/**
 * Checks the three kernel matrices of a two-sample statistic: `kxx` `[Nx,Nx]`, `kyy` `[Ny,Ny]` and
 * `kxy` `[Nx,Ny]`, float32 and finite; with `paired`, also `Nx = Ny = n ≥ 2` (the unbiased MMD², the
 * H1 variance and J pair `x_i` with `y_i` and divide by `n(n−1)`).
 *
 * @internal
 */
export function assertKernelMatrices(kxx: unknown, kyy: unknown, kxy: unknown, fn: string, paired: boolean): asserts kxx is tf.Tensor2D {
  const mats = { kxx, kyy, kxy } as Record<string, unknown>;
  for (const [name, k] of Object.entries(mats)) {
    const where = `Argument '${name}' passed to '${fn}'`;
    assert(k instanceof tf.Tensor && !k.isDisposed, 'INVALID_ARGUMENT', () =>
      `${where} must be a live tf.Tensor2D kernel matrix, got ${describeValue(k)}. Build it with kernelMatrices(kernel, x, y).`);
    assert(k.rank === 2, 'INVALID_ARGUMENT', () =>
      `${where} must be a rank-2 kernel matrix, got shape ${describeValue(k.shape)}.`);
    assert(k.dtype === 'float32', 'INVALID_ARGUMENT', () => `${where} must have dtype float32, got ${k.dtype}.`);
    assert(k.size > 0, 'EMPTY_INPUT', () => `${where} must not be empty, got shape ${describeValue(k.shape)}.`);
  }
  const [sxx, syy, sxy] = [kxx, kyy, kxy].map((k) => (k as tf.Tensor).shape) as [number[], number[], number[]];
  const nx = sxx[0] as number;
  const ny = syy[0] as number;
  const expected = `kxx [Nx,Nx], kyy [Ny,Ny] and kxy [Nx,Ny]`;
  assert(sxx[1] === nx && syy[1] === ny && sxy[0] === nx && sxy[1] === ny, 'SHAPE_MISMATCH', () =>
    `Arguments 'kxx', 'kyy' and 'kxy' passed to '${fn}' must be ${expected}, got ${describeValue(sxx)}, ${describeValue(syy)} and ${describeValue(sxy)}. ` +
      'Build them from the same two samples with kernelMatrices(kernel, x, y).');
  if (paired) {
    assert(nx === ny, 'SHAPE_MISMATCH', () =>
      `Arguments 'kxx' and 'kyy' passed to '${fn}' must come from samples of equal size n (the estimator pairs x_i with y_i), ` +
        `got Nx = ${nx} and Ny = ${ny}. Subsample the larger set, or use mmd2Biased, which accepts unequal sizes.`);
    assert(nx >= 2, 'INVALID_ARGUMENT', () =>
      `Arguments 'kxx', 'kyy' and 'kxy' passed to '${fn}' must come from samples of at least n = 2, got n = ${nx}: ` +
        'the unbiased estimator divides by n(n−1). Pass at least two samples per set.');
  }
  const bad = tf.tidy(() => tf.stack([kxx, kyy, kxy].map((k) => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(k as tf.Tensor)), 'int32')))));
  const counts = bad.dataSync() as Int32Array;
  bad.dispose();
  ['kxx', 'kyy', 'kxy'].forEach((name, i) => {
    assert(counts[i] === 0, 'NOT_FINITE', () =>
      `Argument '${name}' passed to '${fn}' must be finite, got ${counts[i]} NaN or infinite value(s). ` +
        'Check the inputs and the kernel parameters (a bandwidth of 0 gives NaN).');
  });
}
