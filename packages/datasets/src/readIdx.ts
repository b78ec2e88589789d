import { RobustError, assert, describeValue, resolveOptions } from '@robustjs/core';
import { toBytes } from './bytes';
import { assertIdx, parseIdxImpl } from './parseIdx';
import type { BytesInput, Dataset, DatasetShape } from './types';

/** Options of {@link readIdx}. */
export interface ReadIdxOptions {
  /** The K class names; default `['0', …, 'K-1']` with K = largest label + 1. Labels must lie in [0, K). */
  readonly classNames?: readonly string[];
  /** The dataset's `source`; default `'memory'`. */
  readonly source?: string;
  /** File names used in error messages; default `{ images: 'images', labels: 'labels' }`. */
  readonly names?: { readonly images?: string; readonly labels?: string };
}

const DEFAULTS = { classNames: undefined, source: undefined, names: undefined } as const;

/**
 * Reads an MNIST-style pair of IDX files from memory (works in browsers): images `[N,H,W]` (or
 * `[N,H,W,C]`) unsigned bytes and labels `[N]`. The bytes must be uncompressed: use `gunzip` (or
 * `fetchIdx`, which does it) for `.gz` files.
 *
 * @param images - the images file's bytes (e.g. `t10k-images-idx3-ubyte`).
 * @param labels - the labels file's bytes (e.g. `t10k-labels-idx1-ubyte`).
 * @param options - `classNames` (default `'0'..'K-1'`), `source` (default `'memory'`), `names` for messages.
 * @returns a {@link Dataset} of shape `[N,H,W,C]` (C = 1 for 3-dimensional files) whose arrays are views on the inputs.
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` naming the file for a wrong magic number, gzip bytes, a
 *   truncated file, a header that needs more bytes than the file holds, wrong ranks, or a label outside
 *   [0, K); `SHAPE_MISMATCH` when image and label counts disagree; `EMPTY_INPUT` for zero images;
 *   `UNKNOWN_OPTION` / `INVALID_ARGUMENT` for bad options.
 * @example
 * ```ts
 * const ds = readIdx(imageBytes, labelBytes, { classNames: FASHION_MNIST_CLASSES });
 * ds.shape; // [10000, 28, 28, 1]
 * ```
 */
export function readIdx(images: BytesInput, labels: BytesInput, options?: ReadIdxOptions): Dataset {
  const fn = 'readIdx';
  const o = resolveOptions(fn, DEFAULTS, options);
  const names = (o.names ?? {}) as NonNullable<ReadIdxOptions['names']>;
  assert(typeof names === 'object', 'INVALID_ARGUMENT', () =>
    `Option 'names' passed to '${fn}' must be { images?, labels? }, got ${describeValue(names)}.`);
  const imagesName = names.images ?? 'images';
  const labelsName = names.labels ?? 'labels';
  return readIdxImpl(
    toBytes(images, `Argument 'images' passed to '${fn}'`),
    toBytes(labels, `Argument 'labels' passed to '${fn}'`),
    {
      imagesSubject: `'${imagesName}' passed to '${fn}'`,
      labelsSubject: `'${labelsName}' passed to '${fn}'`,
      classNames: checkClassNames(o.classNames, fn),
      source: checkSource(o.source, fn) ?? 'memory',
    },
  );
}

/** What {@link readIdxImpl} needs besides the bytes. */
export interface IdxContext {
  /** Names the images file and the function, e.g. `"'/data/t10k-images-idx3-ubyte.gz' read by 'loadMnist'"`. */
  readonly imagesSubject: string;
  /** Same for the labels file. */
  readonly labelsSubject: string;
  /** The class names, or undefined to number the classes. */
  readonly classNames: readonly string[] | undefined;
  /** The dataset's `source`. */
  readonly source: string;
}

/** {@link readIdx} on raw bytes, with the file names and function already in `ctx`. */
export function readIdxImpl(imageBytes: Uint8Array, labelBytes: Uint8Array, ctx: IdxContext): Dataset {
  const img = parseIdxImpl(imageBytes, ctx.imagesSubject);
  const lab = parseIdxImpl(labelBytes, ctx.labelsSubject);
  assertIdx(img.dims.length === 3 || img.dims.length === 4, ctx.imagesSubject, () =>
    `must hold images [N,H,W] or [N,H,W,C], got ${img.dims.length} dimensions ${describeValue(img.dims)}. ` +
      'Did you swap the images and labels files?');
  assertIdx(lab.dims.length === 1, ctx.labelsSubject, () =>
    `must hold labels [N], got ${lab.dims.length} dimensions ${describeValue(lab.dims)}. Did you swap the images and labels files?`);
  const [n, h, w, c = 1] = img.dims as [number, number, number, number?];
  const nLabels = lab.dims[0] as number;
  assert(n === nLabels, 'SHAPE_MISMATCH', () =>
    `IDX files ${ctx.imagesSubject} and ${ctx.labelsSubject} disagree: ${n} images but ${nLabels} labels. ` +
      'Pair the images file with the labels file of the same split (train with train, t10k with t10k).');
  assert(n > 0, 'EMPTY_INPUT', () => `IDX file ${ctx.imagesSubject} holds no images (dimensions ${describeValue(img.dims)}).`);
  assertIdx(h > 0 && w > 0 && c > 0, ctx.imagesSubject, () => `has an empty image size ${describeValue(img.dims)}; H, W and C must be positive.`);
  const labels = lab.data;
  let max = 0;
  for (let i = 0; i < n; i++) max = Math.max(max, labels[i] as number);
  const classNames = ctx.classNames ?? Array.from({ length: max + 1 }, (_, k) => String(k));
  if (max >= classNames.length) {
    const at = labels.findIndex((v) => v >= classNames.length);
    throw new RobustError('CORRUPT_FILE',
      `IDX file ${ctx.labelsSubject} has label ${labels[at]} at index ${at}, outside [0, ${classNames.length}) for ` +
        `the ${classNames.length} classes ${describeValue(classNames)}. The file is corrupt or belongs to another dataset.`);
  }
  return Object.freeze({
    images: img.data,
    labels,
    shape: Object.freeze([n, h, w, c]) as DatasetShape,
    classNames: Object.freeze([...classNames]),
    source: ctx.source,
  });
}

/** Validates a `classNames` option: undefined or a non-empty array of distinct strings. */
export function checkClassNames(value: unknown, fn: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  assert(Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string'), 'INVALID_ARGUMENT', () =>
    `Option 'classNames' passed to '${fn}' must be a non-empty array of strings, got ${describeValue(value)}.`);
  assert(new Set(value).size === value.length, 'INVALID_ARGUMENT', () =>
    `Option 'classNames' passed to '${fn}' has repeated names ${describeValue(value)}; each class needs its own name.`);
  return value as readonly string[];
}

/** Validates a `source` option: undefined or a string. */
export function checkSource(value: unknown, fn: string): string | undefined {
  assert(value === undefined || typeof value === 'string', 'INVALID_ARGUMENT', () =>
    `Option 'source' passed to '${fn}' must be a string, got ${describeValue(value)}.`);
  return value;
}
