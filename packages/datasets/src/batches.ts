import { assert, assertNumber, resolveOptions } from '@robustjs/core';
import { assertDataset } from './createDataset';
import { permutation } from './permutation';
import { toTensorsImpl } from './toTensors';
import type { Batch, Dataset } from './types';

/** Options of {@link batches}. */
export interface BatchesOptions {
  /** Images per batch, an integer ≥ 1; default `128`. */
  readonly batchSize?: number;
  /** Visit the rows in a seeded random order; default `false` (dataset order). */
  readonly shuffle?: boolean;
  /** Integer seed of the order when `shuffle` is on; default `0`. Pass the epoch number for a new order each epoch. */
  readonly seed?: number;
  /** Drop the last batch when it is smaller than `batchSize`; default `false`. */
  readonly dropLast?: boolean;
}

const DEFAULTS: Required<BatchesOptions> = { batchSize: 128, shuffle: false, seed: 0, dropLast: false };

/**
 * Iterates over a dataset in batches of tensors, converting only one batch at a time (the set itself
 * stays as bytes). Each batch's tensors are created in `tf.tidy` and belong to the consumer, who
 * disposes them. Arguments are checked when `batches` is called, before the first batch.
 *
 * @param ds - the dataset `[N,H,W,C]`.
 * @param options - `batchSize` (default `128`), `shuffle` (default `false`), `seed` (default `0`),
 *   `dropLast` (default `false`).
 * @returns an async iterator of {@link Batch} `{ x: [B,H,W,C] float32 in [0,1], y: [B] int32, indices }`;
 *   B = `batchSize` except possibly the last.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` / `UNKNOWN_OPTION` for a bad dataset
 *   or option, or when `dropLast` would leave no batch at all.
 * @example
 * ```ts
 * for await (const { x, y } of batches(train, { batchSize: 64, shuffle: true, seed: epoch })) {
 *   optimizer.minimize(() => loss(model(x), y));
 *   tf.dispose([x, y]);
 * }
 * ```
 */
export function batches(ds: Dataset, options?: BatchesOptions): AsyncGenerator<Batch, void, undefined> {
  const fn = 'batches';
  const o = resolveOptions(fn, DEFAULTS, options);
  assertNumber(o.batchSize, 'batchSize', fn, { integer: true, min: 1 });
  assertNumber(o.seed, 'seed', fn, { integer: true });
  assertDataset(ds, 'ds', fn);
  const n = ds.shape[0];
  assert(!o.dropLast || o.batchSize <= n, 'OUT_OF_RANGE', () =>
    `Option 'batchSize' passed to '${fn}' is ${o.batchSize}, more than the ${n} images, and 'dropLast' is true: ` +
      'no batch would be produced. Use a smaller batchSize or dropLast: false.');
  const order = o.shuffle ? permutation(n, o.seed) : undefined;
  return iterate(ds, order, o.batchSize, o.dropLast);
}

async function* iterate(ds: Dataset, order: Int32Array | undefined, batchSize: number, dropLast: boolean): AsyncGenerator<Batch, void, undefined> {
  const n = ds.shape[0];
  const end = dropLast ? n - (n % batchSize) : n;
  for (let start = 0; start < end; start += batchSize) {
    const stop = Math.min(start + batchSize, end);
    const indices = order === undefined ? Int32Array.from({ length: stop - start }, (_, k) => start + k) : order.slice(start, stop);
    const { x, y } = toTensorsImpl(ds, indices);
    yield { x, y, indices };
  }
}
