import { assert, describeValue, resolveOptions } from '@robustjs/core';
import { CIFAR10_CLASSES } from './classNames';
import { checkUrl, fetchBytes, type FetchLike } from './fetchBytes';
import { checkClassNames } from './readIdx';
import { readCifar10Impl } from './readCifar10';
import type { Dataset } from './types';
import { settleInOrder } from './settleInOrder';

/** Options of {@link fetchCifar10}. */
export interface FetchCifar10Options {
  /** The class names; default {@link CIFAR10_CLASSES}. */
  readonly classNames?: readonly string[];
  /** The fetch to use; default the global `fetch`. */
  readonly fetch?: FetchLike;
}

const DEFAULTS = { classNames: undefined, fetch: undefined } as const;

/**
 * Fetches CIFAR-10 binary batches (each may be gzipped) and reads them in order (works in browsers).
 *
 * @param urls - one batch URL or an array of them (e.g. the five `data_batch_*.bin`).
 * @param options - `classNames` (default {@link CIFAR10_CLASSES}), `fetch` (default the global one).
 * @returns a {@link Dataset} `[N,32,32,3]` whose `source` is the first URL.
 * @throws {@link @robustjs/core!index.RobustError} `IO_ERROR` naming the URL when a request fails; `CORRUPT_FILE` naming the
 *   URL for bad content (see `readCifar10`).
 * @example
 * ```ts
 * const test = await fetchCifar10('/cifar-10-batches-bin/test_batch.bin');
 * ```
 */
export async function fetchCifar10(urls: string | URL | readonly (string | URL)[], options?: FetchCifar10Options): Promise<Dataset> {
  const fn = 'fetchCifar10';
  const o = resolveOptions(fn, DEFAULTS, options);
  const list: readonly unknown[] = Array.isArray(urls) ? urls : [urls];
  assert(list.length > 0, 'INVALID_ARGUMENT', () => `Argument 'urls' passed to '${fn}' must name at least one batch, got ${describeValue(urls)}.`);
  const checked = list.map((u, i) => checkUrl(u, Array.isArray(urls) ? `urls[${i}]` : 'urls', fn));
  const classNames = checkClassNames(o.classNames, fn) ?? CIFAR10_CLASSES;
  const bytes = await settleInOrder(checked.map((u) => fetchBytes(u, fn, o.fetch)));
  return readCifar10Impl(bytes.map((b, i) => ({ bytes: b, subject: `'${checked[i]}' fetched by '${fn}'` })), classNames, checked[0] as string);
}
