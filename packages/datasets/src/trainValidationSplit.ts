import { assert, assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import { groupByClass } from './balancedSubset';
import { assertDataset } from './createDataset';
import { permutation } from './permutation';
import { selectRows } from './select';
import type { Dataset } from './types';

/** Options of {@link trainValidationSplit}. */
export interface TrainValidationSplitOptions {
  /** The validation part: a fraction in (0,1) of N, or a whole number of images in [1, N-1]; default `0.1`. */
  readonly validation?: number;
  /** Integer seed of the random assignment; default `0`. */
  readonly seed?: number;
  /** Keep each class's share the same in both parts (largest-remainder quotas); default `true`. */
  readonly stratify?: boolean;
}

/** The two parts returned by {@link trainValidationSplit}. */
export interface TrainValidationSplit {
  /** The training part, in original order. */
  readonly train: Dataset;
  /** The validation part, in original order. */
  readonly validation: Dataset;
}

const DEFAULTS = { validation: 0.1, seed: 0, stratify: true } as const;

/**
 * Splits a dataset into disjoint training and validation parts at random (seeded), stratified by class
 * by default. Every image lands in exactly one part; each part keeps the original row order.
 *
 * @param ds - the dataset `[N,H,W,C]`.
 * @param options - `validation` (default `0.1`: a fraction, or a count when ≥ 1), `seed` (default `0`),
 *   `stratify` (default `true`).
 * @returns `{ train, validation }` with `N - V` and `V` images.
 * @throws {@link @robustjs/core!index.RobustError} `OUT_OF_RANGE` when the validation part would be empty or hold every image;
 *   `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for bad options.
 * @example
 * ```ts
 * const { train, validation } = trainValidationSplit(ds, { validation: 5000, seed: 0 }); // 55,000 + 5,000
 * ```
 */
export function trainValidationSplit(ds: Dataset, options?: TrainValidationSplitOptions): TrainValidationSplit {
  const fn = 'trainValidationSplit';
  const o = resolveOptions(fn, DEFAULTS, options);
  assertNumber(o.validation, 'validation', fn, { greaterThan: 0 });
  assertNumber(o.seed, 'seed', fn, { integer: true });
  assertDataset(ds, 'ds', fn);
  const n = ds.shape[0];
  const v = o.validation < 1 ? Math.round(o.validation * n) : o.validation;
  assert(Number.isInteger(v) && v >= 1 && v <= n - 1, 'OUT_OF_RANGE', () =>
    `Option 'validation' passed to '${fn}' is ${o.validation}, which gives ${v} validation image(s) out of ${n}; ` +
      `it must leave at least one image in each part (a fraction in (0,1), or a whole number in [1, ${n - 1}]).`);
  const isVal = new Uint8Array(n);
  const rng = seedStream(o.seed);
  if (o.stratify) {
    const groups = groupByClass(ds);
    const exact = groups.map((g) => (v * g.length) / n);
    const quota = exact.map(Math.floor);
    let left = v - quota.reduce((a, b) => a + b, 0);
    const byRemainder = exact.map((e, k) => [e - Math.floor(e), k] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
    for (const [, k] of byRemainder) {
      if (left === 0) break;
      quota[k] = (quota[k] as number) + 1;
      left--;
    }
    groups.forEach((rows, k) => {
      const order = permutation(rows.length, rng.next());
      for (let j = 0; j < (quota[k] as number); j++) isVal[rows[order[j] as number] as number] = 1;
    });
  } else {
    const order = permutation(n, rng.next());
    for (let j = 0; j < v; j++) isVal[order[j] as number] = 1;
  }
  const trainIdx = new Int32Array(n - v);
  const valIdx = new Int32Array(v);
  for (let i = 0, a = 0, b = 0; i < n; i++) {
    if (isVal[i]) valIdx[b++] = i;
    else trainIdx[a++] = i;
  }
  return Object.freeze({ train: selectRows(ds, trainIdx), validation: selectRows(ds, valIdx) });
}
