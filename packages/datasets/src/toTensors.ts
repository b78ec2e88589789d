import * as tf from '@tensorflow/tfjs';
import { assert, type Images, type Labels } from '@robustjs/core';
import { checkIndices } from './checkIndices';
import { assertDataset } from './createDataset';
import type { Dataset } from './types';

/** The tensors {@link toTensors} makes; the caller owns and disposes them. */
export interface DatasetTensors {
  /** Images `[B,H,W,C]` float32 in [0,1] (pixel / 255). */
  readonly x: Images;
  /** Labels `[B]` int32 in [0, K). */
  readonly y: Labels;
}

/** Float32 value of each byte divided by 255 (exactly what tf.div(uint8, 255) gives). */
const SCALE = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * Makes the contract's tensors from a dataset, or from some of its rows: images `[B,H,W,C]` float32
 * in [0,1] and labels `[B]` int32. Only the requested rows are converted, so a batch of a large set
 * never materialises the whole set as floats.
 *
 * @param ds - the dataset `[N,H,W,C]`.
 * @param indices - rows to take, in order (each an integer in [0, N)); default all N rows.
 * @returns `{ x, y }`, created inside `tf.tidy`; the caller disposes them.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for a bad dataset or index;
 *   `EMPTY_INPUT` for an empty `indices`.
 * @example
 * ```ts
 * const { x, y } = toTensors(ds, [0, 1, 2, 3]); // x [4,28,28,1] float32, y [4] int32
 * tf.dispose([x, y]);
 * ```
 */
export function toTensors(ds: Dataset, indices?: ArrayLike<number>): DatasetTensors {
  assertDataset(ds, 'ds', 'toTensors');
  const rows = indices === undefined ? undefined : checkIndices(indices, ds.shape[0], 'indices', 'toTensors');
  assert(rows === undefined || rows.length > 0, 'EMPTY_INPUT', () =>
    "Argument 'indices' passed to 'toTensors' is empty: a batch needs at least one row. Omit it to take every row.");
  return toTensorsImpl(ds, rows);
}

/** {@link toTensors} without the checks; `rows` undefined means every row. */
export function toTensorsImpl(ds: Dataset, rows: Int32Array | undefined): DatasetTensors {
  const [n, h, w, c] = ds.shape;
  const b = rows === undefined ? n : rows.length;
  const row = h * w * c;
  const pixels = new Float32Array(b * row);
  const labels = new Int32Array(b);
  for (let k = 0; k < b; k++) {
    const i = rows === undefined ? k : (rows[k] as number);
    const src = i * row;
    const dst = k * row;
    for (let p = 0; p < row; p++) pixels[dst + p] = SCALE[ds.images[src + p] as number] as number;
    labels[k] = ds.labels[i] as number;
  }
  return tf.tidy(() => ({
    x: tf.tensor4d(pixels, [b, h, w, c], 'float32'),
    y: tf.tensor1d(labels, 'int32'),
  }));
}
