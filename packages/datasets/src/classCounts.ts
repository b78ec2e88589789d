import { assertDataset } from './createDataset';
import type { Dataset } from './types';

/**
 * The number of images of each class.
 *
 * @param ds - the dataset.
 * @returns an array of K counts; entry k counts the images labelled k (`ds.classNames[k]`).
 * @throws {@link @robustjs/core!index.RobustError} for a bad dataset.
 * @example
 * ```ts
 * classCounts(await loadFashionMnist({ split: 'test' })); // [1000, 1000, …, 1000]
 * ```
 */
export function classCounts(ds: Dataset): number[] {
  assertDataset(ds, 'ds', 'classCounts');
  const counts = new Array<number>(ds.classNames.length).fill(0);
  for (let i = 0; i < ds.labels.length; i++) {
    const k = ds.labels[i] as number;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  return counts;
}
