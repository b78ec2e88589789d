import { RobustError, assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import { assertDataset } from './createDataset';
import { permutation } from './permutation';
import { selectRows } from './select';
import type { Dataset } from './types';

/** Options of {@link balancedSubset}. */
export interface BalancedSubsetOptions {
  /** Images to take from each class, an integer ≥ 1 (DAD uses 50). Required. */
  readonly perClass: number;
  /** Integer seed of the choice within each class; default `0`. */
  readonly seed?: number;
}

const DEFAULTS = { perClass: undefined as number | undefined, seed: 0 };

/** Row indices of each class, in dataset order: `groups[k]` lists the rows labelled k. */
export function groupByClass(ds: Dataset): Int32Array[] {
  const k = ds.classNames.length;
  const counts = new Int32Array(k);
  for (let i = 0; i < ds.labels.length; i++) {
    const label = ds.labels[i] as number;
    counts[label] = (counts[label] as number) + 1;
  }
  const groups = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(k);
  for (let i = 0; i < ds.labels.length; i++) {
    const label = ds.labels[i] as number;
    const at = fill[label] as number;
    (groups[label] as Int32Array)[at] = i;
    fill[label] = at + 1;
  }
  return groups;
}

/**
 * A class-balanced subset: `perClass` images drawn at random (seeded) from each class, returned in
 * their original dataset order.
 *
 * @param ds - the dataset `[N,H,W,C]` with K classes.
 * @param options - `perClass` (required), `seed` (default `0`).
 * @returns a dataset `[K*perClass,H,W,C]` holding exactly `perClass` images of each class.
 * @throws {@link @robustjs/core!index.RobustError} `OUT_OF_RANGE` naming the class when it has fewer than `perClass`
 *   images; `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for bad options.
 * @example
 * ```ts
 * const dadSet = balancedSubset(test, { perClass: 50, seed: 0 }); // 500 images, 50 of each class
 * ```
 */
export function balancedSubset(ds: Dataset, options: BalancedSubsetOptions): Dataset {
  const fn = 'balancedSubset';
  const { perClass, seed } = resolveOptions(fn, DEFAULTS, options);
  assertNumber(perClass, 'perClass', fn, { integer: true, min: 1 });
  assertNumber(seed, 'seed', fn, { integer: true });
  assertDataset(ds, 'ds', fn);
  const groups = groupByClass(ds);
  const rng = seedStream(seed);
  const chosen: number[] = [];
  groups.forEach((rows, k) => {
    if (rows.length < perClass) {
      throw new RobustError('OUT_OF_RANGE',
        `Option 'perClass' passed to '${fn}' is ${perClass}, but class ${k} ('${ds.classNames[k]}') has only ${rows.length} image(s) ` +
          `in the dataset from ${ds.source}. Use perClass ≤ ${Math.min(...groups.map((g) => g.length))}.`);
    }
    const order = permutation(rows.length, rng.next());
    for (let j = 0; j < perClass; j++) chosen.push(rows[order[j] as number] as number);
  });
  return selectRows(ds, Int32Array.from(chosen).sort());
}
