import * as tf from '@tensorflow/tfjs';
import { assertNumber, seedStream } from '@robustjs/core';
import { assertBatch } from './assertBatch';

/**
 * Draws `count` batches of `batchSize` distinct rows from `pool` `[P,...]` (a seeded partial Fisher–Yates
 * shuffle per batch): the clean-vs-clean batches of `MmdDetector.calibrate`. The caller disposes them.
 *
 * @internal
 */
export function drawBatches(pool: unknown, count: number, batchSize: number, seed: number, fn: string): tf.Tensor[] {
  assertBatch(pool, 'clean', fn, { minRows: batchSize, why: `each calibration batch draws batchSize = ${batchSize} distinct samples` });
  assertNumber(count, 'batches', fn, { integer: true, min: 1 });
  assertNumber(seed, 'seed', fn, { integer: true });
  const seeds = seedStream(seed);
  const n = pool.shape[0] as number;
  const idx = Int32Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: count }, () => {
    for (let i = n - 1; i >= n - batchSize && i > 0; i--) {
      const j = seeds.next() % (i + 1);
      const t = idx[i] as number;
      idx[i] = idx[j] as number;
      idx[j] = t;
    }
    return tf.tidy(() => tf.gather(pool, tf.tensor1d(idx.slice(n - batchSize), 'int32'))); // [batchSize,...]
  });
}
