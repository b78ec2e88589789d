import { assertDataset } from './createDataset';
import { checkIndices } from './checkIndices';
import type { Dataset, DatasetShape } from './types';

/**
 * A new dataset made of the rows `indices` of `ds`, in that order (copied, so the result is compact
 * and independent of `ds`). Indices may repeat.
 *
 * @param ds - the dataset `[N,H,W,C]`.
 * @param indices - row indices, each an integer in [0, N).
 * @returns a dataset `[indices.length,H,W,C]` with the same class names and source.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for a bad dataset or index.
 * @example
 * ```ts
 * const firstTen = select(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 * ```
 */
export function select(ds: Dataset, indices: ArrayLike<number>): Dataset {
  assertDataset(ds, 'ds', 'select');
  return selectRows(ds, checkIndices(indices, ds.shape[0], 'indices', 'select'));
}

/** {@link select} without the checks (indices already validated). */
export function selectRows(ds: Dataset, idx: Int32Array): Dataset {
  const [, h, w, c] = ds.shape;
  const row = h * w * c;
  const images = new Uint8Array(idx.length * row);
  const labels = ds.labels instanceof Int32Array ? new Int32Array(idx.length) : new Uint8Array(idx.length);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k] as number;
    images.set(ds.images.subarray(i * row, (i + 1) * row), k * row);
    labels[k] = ds.labels[i] as number;
  }
  return Object.freeze({
    images,
    labels,
    shape: Object.freeze([idx.length, h, w, c]) as DatasetShape,
    classNames: ds.classNames,
    source: ds.source,
  });
}
