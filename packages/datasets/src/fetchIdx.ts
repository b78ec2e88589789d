import { assert, describeValue, resolveOptions } from '@robustjs/core';
import { checkUrl, fetchBytes, type FetchLike } from './fetchBytes';
import { checkClassNames, readIdxImpl } from './readIdx';
import type { Dataset } from './types';
import { settleInOrder } from './settleInOrder';

/** Options of {@link fetchIdx}. */
export interface FetchIdxOptions {
  /** The K class names; default `['0', …, 'K-1']` (e.g. pass `FASHION_MNIST_CLASSES`). */
  readonly classNames?: readonly string[];
  /** The fetch to use; default the global `fetch`. */
  readonly fetch?: FetchLike;
}

const DEFAULTS = { classNames: undefined, fetch: undefined } as const;

/**
 * Fetches an MNIST-style pair of IDX files (gzipped or raw) and reads them (works in browsers).
 *
 * @param urls - `{ images, labels }`, the two files' URLs.
 * @param options - `classNames` (default `'0'..'K-1'`), `fetch` (default the global one).
 * @returns a {@link Dataset} `[N,H,W,C]` whose `source` is the images URL.
 * @throws {@link @robustjs/core!index.RobustError} `IO_ERROR` naming the URL when a request fails or answers an error
 *   status; `CORRUPT_FILE` / `SHAPE_MISMATCH` naming the URL for bad content (see `readIdx`).
 * @example
 * ```ts
 * const test = await fetchIdx(
 *   { images: '/data/t10k-images-idx3-ubyte.gz', labels: '/data/t10k-labels-idx1-ubyte.gz' },
 *   { classNames: FASHION_MNIST_CLASSES },
 * );
 * ```
 */
export async function fetchIdx(urls: { readonly images: string | URL; readonly labels: string | URL }, options?: FetchIdxOptions): Promise<Dataset> {
  const fn = 'fetchIdx';
  const o = resolveOptions(fn, DEFAULTS, options);
  assert(typeof urls === 'object' && urls !== null, 'INVALID_ARGUMENT', () =>
    `Argument 'urls' passed to '${fn}' must be { images, labels } URLs, got ${describeValue(urls)}.`);
  const imagesUrl = checkUrl(urls.images, 'urls.images', fn);
  const labelsUrl = checkUrl(urls.labels, 'urls.labels', fn);
  const classNames = checkClassNames(o.classNames, fn);
  const [images, labels] = await settleInOrder([fetchBytes(imagesUrl, fn, o.fetch), fetchBytes(labelsUrl, fn, o.fetch)]);
  return readIdxImpl(images, labels, {
    imagesSubject: `'${imagesUrl}' fetched by '${fn}'`,
    labelsSubject: `'${labelsUrl}' fetched by '${fn}'`,
    classNames,
    source: imagesUrl,
  });
}
