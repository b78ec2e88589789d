import type * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';

/**
 * Checks that two tensors have the same leading (batch) dimension N.
 *
 * @param a - first tensor, shape `[N,...]`.
 * @param b - second tensor, shape `[N,...]`.
 * @param names - the two argument names, e.g. `['x', 'y']`.
 * @param fn - the public function that received them.
 * @throws {@link RobustError} `SHAPE_MISMATCH` when the first dimensions differ.
 * @example
 * ```ts
 * assertSameBatch(x, y, ['x', 'y'], 'pgd');
 * ```
 */
export function assertSameBatch(a: tf.Tensor, b: tf.Tensor, names: readonly [string, string], fn: string): void {
  assert(a.shape[0] === b.shape[0], 'SHAPE_MISMATCH', () =>
    `Arguments '${names[0]}' and '${names[1]}' passed to '${fn}' must have the same batch size, ` +
      `got ${describeValue(a.shape)} and ${describeValue(b.shape)}. Pass one label per image.`);
}
