import { RobustError, assert, describeValue } from '@robustjs/core';
import type { Dataset, DatasetShape } from './types';

/** The parts {@link createDataset} assembles into a {@link Dataset}. */
export interface DatasetParts {
  /** Pixels, row-major `[N,H,W,C]`, 0..255; its length must be `N*H*W*C`. */
  readonly images: Uint8Array;
  /** `[N]` class indices in [0, K). */
  readonly labels: Uint8Array | Int32Array;
  /** `[N,H,W,C]`, every entry a positive integer. */
  readonly shape: DatasetShape | readonly number[];
  /** The K class names (at least one, all distinct). */
  readonly classNames: readonly string[];
  /** Where the data came from; default `"memory"`. */
  readonly source?: string;
}

/**
 * Checks the parts of a dataset and assembles a frozen {@link Dataset} (the typed arrays are used as
 * given, not copied).
 *
 * @param parts - `{ images, labels, shape, classNames, source = 'memory' }`.
 * @returns the dataset.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` (wrong types, shape not 4 positive integers, no or
 *   repeated class names), `SHAPE_MISMATCH` (array lengths disagree with `shape`), `OUT_OF_RANGE`
 *   (a label outside [0, K)).
 * @example
 * ```ts
 * const ds = createDataset({
 *   images: new Uint8Array(2 * 28 * 28), labels: new Uint8Array([0, 1]), shape: [2, 28, 28, 1],
 *   classNames: ['cat', 'dog'],
 * });
 * ```
 */
export function createDataset(parts: DatasetParts): Dataset {
  assert(typeof parts === 'object' && parts !== null, 'INVALID_ARGUMENT', () =>
    `Argument 'parts' passed to 'createDataset' must be an object { images, labels, shape, classNames }, got ${describeValue(parts)}.`);
  const ds = { ...parts, source: parts.source ?? 'memory' };
  assertDataset(ds, 'parts', 'createDataset');
  return Object.freeze({
    images: ds.images,
    labels: ds.labels,
    shape: Object.freeze([...ds.shape]) as DatasetShape,
    classNames: Object.freeze([...ds.classNames]),
    source: ds.source,
  });
}

/**
 * Checks that `ds` is a well-formed {@link Dataset}: typed arrays of the right lengths, a positive
 * `[N,H,W,C]` shape, and every label in [0, K). Runs in O(N).
 */
export function assertDataset(ds: unknown, name: string, fn: string): asserts ds is Dataset {
  const where = `Argument '${name}' passed to '${fn}'`;
  assert(typeof ds === 'object' && ds !== null, 'INVALID_ARGUMENT', () =>
    `${where} must be a Dataset { images, labels, shape, classNames, source }, got ${describeValue(ds)}. ` +
      "Make one with a reader (readIdx, readCifar10, loadFashionMnist) or createDataset().");
  const { images, labels, shape, classNames } = ds as Partial<Dataset>;
  assert(images instanceof Uint8Array, 'INVALID_ARGUMENT', () =>
    `${where} must have 'images' as a Uint8Array of 0..255 pixels, got ${describeValue(images)}.`);
  assert(labels instanceof Uint8Array || labels instanceof Int32Array, 'INVALID_ARGUMENT', () =>
    `${where} must have 'labels' as a Uint8Array or Int32Array, got ${describeValue(labels)}.`);
  assert(Array.isArray(shape) && shape.length === 4 && shape.every((d) => Number.isInteger(d) && d > 0), 'INVALID_ARGUMENT', () =>
    `${where} must have 'shape' [N,H,W,C] of 4 positive integers, got ${describeValue(shape)}.`);
  assert(Array.isArray(classNames) && classNames.length > 0 && classNames.every((c) => typeof c === 'string'), 'INVALID_ARGUMENT', () =>
    `${where} must have 'classNames' as a non-empty array of strings, got ${describeValue(classNames)}.`);
  assert(new Set(classNames).size === classNames.length, 'INVALID_ARGUMENT', () =>
    `${where} has repeated class names ${describeValue(classNames)}; each class needs its own name.`);
  const [n, h, w, c] = shape as DatasetShape;
  assert(images.length === n * h * w * c, 'SHAPE_MISMATCH', () =>
    `${where} has ${images.length} image bytes, but shape ${describeValue(shape)} needs N*H*W*C = ${n * h * w * c}.`);
  assert(labels.length === n, 'SHAPE_MISMATCH', () =>
    `${where} has ${labels.length} labels for ${n} images (shape ${describeValue(shape)}); pass one label per image.`);
  const k = classNames.length;
  for (let i = 0; i < n; i++) {
    const label = labels[i] as number;
    if (label < 0 || label >= k) {
      throw new RobustError('OUT_OF_RANGE',
        `${where} has label ${label} at index ${i}, outside [0, ${k}) for its ${k} class name(s). ` +
          'Give one class name per label value.');
    }
  }
}
