import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';

/** Options of {@link assertLabels}. */
export interface AssertLabelsOptions {
  /** Number of classes K: every label must lie in [0, K). Unchecked when omitted. */
  readonly numClasses?: number;
  /** Expected batch size N. Unchecked when omitted. */
  readonly batch?: number;
}

/**
 * Checks that `y` is a label vector by the shared contract: rank-1 `[N]` int32, N ≥ 1,
 * and, given `numClasses`, every label in [0, K).
 *
 * @param y - the candidate labels `[N]`.
 * @param name - the argument's name, used in the message.
 * @param fn - the public function that received it.
 * @param options - optional `numClasses` and `batch`.
 * @throws {@link RobustError} `INVALID_ARGUMENT` (not a tensor, wrong rank or dtype),
 *   `EMPTY_INPUT`, `SHAPE_MISMATCH` (batch differs), `OUT_OF_RANGE` (a label outside [0,K)).
 * @example
 * ```ts
 * assertLabels(y, 'y', 'pgd', { numClasses: 10, batch: x.shape[0] });
 * ```
 */
export function assertLabels(y: unknown, name: string, fn: string, options: AssertLabelsOptions = {}): asserts y is tf.Tensor1D {
  const where = `Argument '${name}' passed to '${fn}'`;
  assert(y instanceof tf.Tensor, 'INVALID_ARGUMENT', () =>
    `${where} must be a tf.Tensor of labels [N] int32, got ${describeValue(y)}. Convert with tf.tensor1d(labels, 'int32').`);
  assert(!y.isDisposed, 'INVALID_ARGUMENT', () =>
    `Argument '${name}' passed to '${fn}' must be a live tensor, got one that was already disposed (shape ${describeValue(y.shape)}). ` +
      'Keep the labels alive until the call returns.');
  assert(y.rank === 1, 'INVALID_ARGUMENT', () =>
    `${where} must be a rank-1 [N] tensor of class indices, got shape ${describeValue(y.shape)}. ` +
      (y.rank === 2 ? 'For one-hot labels use y.argMax(-1).' : 'Flatten it to [N].'));
  assert(y.dtype === 'int32', 'INVALID_ARGUMENT', () =>
    `${where} must have dtype int32, got ${y.dtype}. Convert with y.toInt() after checking the values are whole numbers.`);
  assert(y.size > 0, 'EMPTY_INPUT', () => `${where} must hold at least one label, got an empty tensor.`);
  if (options.batch !== undefined) {
    assert(y.size === options.batch, 'SHAPE_MISMATCH', () =>
      `${where} must have ${options.batch} labels to match the images, got ${y.size}.`);
  }
  if (options.numClasses !== undefined) {
    const k = options.numClasses;
    const mm = tf.tidy(() => tf.stack([tf.min(y), tf.max(y)]));
    const [min, max] = mm.dataSync() as Int32Array;
    mm.dispose();
    assert((min as number) >= 0 && (max as number) < k, 'OUT_OF_RANGE', () =>
      `${where} must hold class indices in [0, ${k}), got min ${min} and max ${max}.`);
  }
}
