import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '@robustjs/core';

/** Constraints of {@link assertBatch}. */
export interface AssertBatchOptions {
  /** Require exactly rank 2 (`[N,D]` features); otherwise any rank ≥ 2 (`[N,...]`). Default false. */
  readonly rank2?: boolean;
  /** Minimum number of rows N; default 1. */
  readonly minRows?: number;
  /** Why `minRows` is needed, appended to the message (e.g. "the unbiased MMD² divides by n(n−1)"). */
  readonly why?: string;
}

/**
 * Checks that `x` is a batch for an MMD function: a float32 tensor of rank 2 (`[N,D]`) or more
 * (`[N,...]`), with at least `minRows` rows, no empty axis and only finite values. Reads one
 * reduction back (a small synchronous download).
 *
 * @internal
 */
export function assertBatch(x: unknown, name: string, fn: string, options: AssertBatchOptions = {}): asserts x is tf.Tensor {
  const where = `Argument '${name}' passed to '${fn}'`;
  const layout = options.rank2 ? '[N,D]' : '[N,...]';
  assert(x instanceof tf.Tensor, 'INVALID_ARGUMENT', () =>
    `${where} must be a tf.Tensor ${layout}, got ${describeValue(x)}. Convert with tf.tensor2d(rows).`);
  assert(!x.isDisposed, 'INVALID_ARGUMENT', () => `${where} is disposed; keep it alive until the call returns.`);
  assert(options.rank2 ? x.rank === 2 : x.rank >= 2, 'INVALID_ARGUMENT', () =>
    `${where} must be a ${options.rank2 ? 'rank-2 [N,D]' : 'rank ≥ 2 [N,...]'} tensor (one row per sample), ` +
      `got rank ${x.rank} with shape ${describeValue(x.shape)}. ` +
      (x.rank === 1 ? 'For N scalar samples use x.reshape([-1, 1]).' : 'Flatten it with x.reshape([n, -1]).'));
  assert(x.dtype === 'float32', 'INVALID_ARGUMENT', () => `${where} must have dtype float32, got ${x.dtype}. Convert with x.toFloat().`);
  assert(x.size > 0, 'EMPTY_INPUT', () => `${where} must hold at least one sample with at least one feature, got shape ${describeValue(x.shape)}.`);
  const minRows = options.minRows ?? 1;
  assert((x.shape[0] as number) >= minRows, 'INVALID_ARGUMENT', () =>
    `${where} must have at least ${minRows} rows (samples), got ${x.shape[0]} (shape ${describeValue(x.shape)})` +
      `${options.why ? `: ${options.why}` : ''}. Pass a larger sample.`);
  const bad = tf.tidy(() => tf.sum(tf.cast(tf.logicalNot(tf.isFinite(x)), 'int32')));
  const count = (bad.dataSync() as Int32Array)[0] as number;
  bad.dispose();
  assert(count === 0, 'NOT_FINITE', () =>
    `${where} must be finite, got ${count} NaN or infinite value(s) in shape ${describeValue(x.shape)}. Check the preprocessing or featurizer that produced it.`);
}

/**
 * Checks that two batches have the same per-sample shape (`[N,...]` vs `[M,...]`: everything but N).
 *
 * @internal
 */
export function assertSameFeatures(x: tf.Tensor, y: tf.Tensor, names: readonly [string, string], fn: string): void {
  const fx = x.shape.slice(1);
  const fy = y.shape.slice(1);
  assert(fx.length === fy.length && fx.every((d, i) => d === fy[i]), 'SHAPE_MISMATCH', () =>
    `Arguments '${names[0]}' and '${names[1]}' passed to '${fn}' must have the same per-sample shape (feature size), ` +
      `got ${describeValue(x.shape)} and ${describeValue(y.shape)}. Both samples must come from the same space; ` +
      'apply the same preprocessing (and featurizer) to both.');
}

/**
 * Checks that two batches have the same number of rows N (the unbiased MMD², its H1 variance and J pair `x_i` with `y_i`).
 *
 * @internal
 */
export function assertSameRows(x: tf.Tensor, y: tf.Tensor, names: readonly [string, string], fn: string, what: string): void {
  assert(x.shape[0] === y.shape[0], 'SHAPE_MISMATCH', () =>
    `Arguments '${names[0]}' and '${names[1]}' passed to '${fn}' must have the same number of samples for ${what}, ` +
      `got ${x.shape[0]} and ${y.shape[0]} (shapes ${describeValue(x.shape)} and ${describeValue(y.shape)}). ` +
      'Subsample the larger set to the size of the smaller one.');
}
