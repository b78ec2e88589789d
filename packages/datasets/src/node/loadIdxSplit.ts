// Internal: the search-then-read logic shared by loadFashionMnist and loadMnist.
import { assert, describeValue, resolveOptions } from '@robustjs/core';
import { readIdxImpl } from '../readIdx';
import type { Dataset, Split } from '../types';
import { gunzipIfNeeded, readFileChecked } from './files';
import { findDataset, searchDirs } from './searchPath';
import { settleInOrder } from '../settleInOrder';

/** Options of `loadFashionMnist` and `loadMnist`. */
export interface LoadIdxOptions {
  /** `'train'` (60,000 images) or `'test'` (10,000); default `'test'`. */
  readonly split?: Split;
  /** A folder holding the IDX files (or a sub-folder named after the dataset); when given it is the only place searched. */
  readonly root?: string;
}

/** The accepted file names of each split, gzipped first, then raw (both dash and dot spellings). */
export const IDX_FILES: Record<Split, { readonly images: readonly string[]; readonly labels: readonly string[] }> = {
  train: {
    images: ['train-images-idx3-ubyte.gz', 'train-images-idx3-ubyte', 'train-images.idx3-ubyte'],
    labels: ['train-labels-idx1-ubyte.gz', 'train-labels-idx1-ubyte', 'train-labels.idx1-ubyte'],
  },
  test: {
    images: ['t10k-images-idx3-ubyte.gz', 't10k-images-idx3-ubyte', 't10k-images.idx3-ubyte'],
    labels: ['t10k-labels-idx1-ubyte.gz', 't10k-labels-idx1-ubyte', 't10k-labels.idx1-ubyte'],
  },
};

/** What differs between the IDX datasets. */
export interface IdxSpec {
  /** Sub-folder name under ROBUSTJS_DATA (and under an explicit root). */
  readonly sub: string;
  /** A system folder (the Debian package's), if any. */
  readonly system?: string;
  /** The embedded folder, if any. */
  readonly embedded?: () => string;
  readonly classNames: readonly string[];
  /** How to get the files, for the not-found message. */
  readonly fix: string;
}

const DEFAULTS = { split: 'test' as Split, root: undefined as string | undefined };

/** Checks a split option against a table keyed by split, listing the valid ones on failure. */
export function checkSplit<T>(split: unknown, table: Record<Split, T>, fn: string): T {
  assert(typeof split === 'string' && Object.prototype.hasOwnProperty.call(table, split), 'INVALID_ARGUMENT', () =>
    `Option 'split' passed to '${fn}' must be one of ${Object.keys(table).map((s) => `'${s}'`).join(', ')}, got ${describeValue(split)}.`);
  return table[split as Split];
}

/** Finds the split's two files on the search path and reads them. */
export async function loadIdxSplit(fn: string, options: LoadIdxOptions | undefined, spec: IdxSpec): Promise<Dataset> {
  const o = resolveOptions(fn, DEFAULTS, options);
  const wanted = checkSplit(o.split, IDX_FILES, fn);
  const found = findDataset(searchDirs(o.root, fn, spec.sub, spec.system, spec.embedded), wanted, fn, spec.fix);
  const [images, labels] = await settleInOrder([
    readFileChecked(found.files.images, fn).then((b) => gunzipIfNeeded(b, found.files.images, fn)),
    readFileChecked(found.files.labels, fn).then((b) => gunzipIfNeeded(b, found.files.labels, fn)),
  ]);
  return readIdxImpl(images, labels, {
    imagesSubject: `'${found.files.images}' read by '${fn}'`,
    labelsSubject: `'${found.files.labels}' read by '${fn}'`,
    classNames: spec.classNames,
    source: `${found.kind}:${found.dir}`,
  });
}
