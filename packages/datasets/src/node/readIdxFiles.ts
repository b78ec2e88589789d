import { assert, describeValue, resolveOptions } from '@robustjs/core';
import { checkClassNames, checkSource, readIdxImpl } from '../readIdx';
import type { Dataset } from '../types';
import { gunzipIfNeeded, readFileChecked } from './files';
import { settleInOrder } from '../settleInOrder';

/** Options of {@link readIdxFiles}. */
export interface ReadIdxFilesOptions {
  /** The K class names; default `['0', …, 'K-1']`. */
  readonly classNames?: readonly string[];
  /** The dataset's `source`; default `"file:<imagesPath>"`. */
  readonly source?: string;
}

const DEFAULTS = { classNames: undefined, source: undefined } as const;

/**
 * Reads an MNIST-style pair of IDX files from disk, gzipped (detected by content) or raw.
 *
 * @param imagesPath - the images file, e.g. `train-images-idx3-ubyte.gz`.
 * @param labelsPath - the labels file, e.g. `train-labels-idx1-ubyte.gz`.
 * @param options - `classNames` (default `'0'..'K-1'`), `source` (default `"file:<imagesPath>"`).
 * @returns a {@link Dataset} `[N,H,W,C]`.
 * @throws {@link @robustjs/core!index.RobustError} naming the file: `NOT_FOUND` (missing), `IO_ERROR` (unreadable),
 *   `CORRUPT_FILE` (bad gzip, wrong magic number, truncated, header larger than the file, bad label),
 *   `SHAPE_MISMATCH` (image and label counts disagree).
 * @example
 * ```ts
 * const ds = await readIdxFiles('data/t10k-images-idx3-ubyte.gz', 'data/t10k-labels-idx1-ubyte.gz');
 * ```
 */
export async function readIdxFiles(imagesPath: string, labelsPath: string, options?: ReadIdxFilesOptions): Promise<Dataset> {
  const fn = 'readIdxFiles';
  const o = resolveOptions(fn, DEFAULTS, options);
  for (const [name, p] of [['imagesPath', imagesPath], ['labelsPath', labelsPath]] as const) {
    assert(typeof p === 'string' && p.length > 0, 'INVALID_ARGUMENT', () =>
      `Argument '${name}' passed to '${fn}' must be a file path, got ${describeValue(p)}.`);
  }
  const classNames = checkClassNames(o.classNames, fn);
  const source = checkSource(o.source, fn) ?? `file:${imagesPath}`;
  const [images, labels] = await settleInOrder([
    readFileChecked(imagesPath, fn).then((b) => gunzipIfNeeded(b, imagesPath, fn)),
    readFileChecked(labelsPath, fn).then((b) => gunzipIfNeeded(b, labelsPath, fn)),
  ]);
  return readIdxImpl(images, labels, {
    imagesSubject: `'${imagesPath}' read by '${fn}'`,
    labelsSubject: `'${labelsPath}' read by '${fn}'`,
    classNames,
    source,
  });
}
