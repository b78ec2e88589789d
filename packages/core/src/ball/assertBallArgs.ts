import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';
import { assertNumber } from '../validate/assertNumber';
import { assertNorm } from '../validate/assertNorm';

/**
 * Checks a tensor argument of the eps-ball helpers (internal): a live rank-4 float32 `[N,H,W,C]` tensor, and,
 * when `like` is given, of `like`'s shape. Shape and dtype only, no download: these run once per attack step.
 */
export function assertTensor4D(t: unknown, name: string, fn: string, like?: { readonly name: string; readonly t: tf.Tensor4D }): asserts t is tf.Tensor4D {
  const where = `Argument '${name}' passed to '${fn}'`;
  assert(t instanceof tf.Tensor && !t.isDisposed, 'INVALID_ARGUMENT', () =>
    `${where} must be a live rank-4 [N,H,W,C] tf.Tensor, got ${t instanceof tf.Tensor ? 'a disposed tensor' : describeValue(t)}.`);
  assert(t.rank === 4 && t.dtype === 'float32', 'INVALID_ARGUMENT', () =>
    `${where} must be a rank-4 [N,H,W,C] float32 tensor, got a ${t.dtype} tensor of shape ${describeValue(t.shape)}.`);
  if (like !== undefined) {
    assert((t.shape as readonly number[]).every((d, i) => d === like.t.shape[i]), 'SHAPE_MISMATCH', () =>
      `${where} must have the shape of '${like.name}' ${describeValue(like.t.shape)}, got ${describeValue(t.shape)}.`);
  }
}

/** Checks `eps` (a finite number ≥ 0) and `norm` for the eps-ball helpers (internal). */
export function assertEpsNorm(eps: unknown, norm: unknown, fn: string): void {
  assertNumber(eps, 'eps', fn, { min: 0 });
  assertNorm(norm, fn);
}
