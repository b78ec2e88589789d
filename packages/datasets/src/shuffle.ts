import { resolveOptions } from '@robustjs/core';
import { assertDataset } from './createDataset';
import { permutation } from './permutation';
import { selectRows } from './select';
import type { Dataset } from './types';

/** Options of {@link shuffle}. */
export interface ShuffleOptions {
  /** Integer seed of the permutation; default `0`. Same seed → same order. */
  readonly seed?: number;
}

const DEFAULTS = { seed: 0 } as const;

/**
 * A copy of `ds` with its rows in a seeded random order (images and labels move together).
 *
 * @param ds - the dataset `[N,H,W,C]`.
 * @param options - `seed` (default `0`).
 * @returns the shuffled dataset `[N,H,W,C]`.
 * @throws {@link @robustjs/core!index.RobustError} for a bad dataset, an unknown option or a non-integer seed.
 * @example
 * ```ts
 * const shuffled = shuffle(ds, { seed: 1 });
 * ```
 */
export function shuffle(ds: Dataset, options?: ShuffleOptions): Dataset {
  const { seed } = resolveOptions('shuffle', DEFAULTS, options);
  assertDataset(ds, 'ds', 'shuffle');
  return selectRows(ds, permutation(ds.shape[0], seed));
}
