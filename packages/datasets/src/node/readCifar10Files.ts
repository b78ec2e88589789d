import { assert, describeValue, resolveOptions } from '@robustjs/core';
import { CIFAR10_CLASSES } from '../classNames';
import { readCifar10Impl } from '../readCifar10';
import { checkClassNames, checkSource } from '../readIdx';
import type { Dataset } from '../types';
import { gunzipIfNeeded, readFileChecked } from './files';
import { settleInOrder } from '../settleInOrder';

/** Options of {@link readCifar10Files}. */
export interface ReadCifar10FilesOptions {
  /** The class names; default {@link CIFAR10_CLASSES}. */
  readonly classNames?: readonly string[];
  /** The dataset's `source`; default `"file:<first path>"`. */
  readonly source?: string;
}

const DEFAULTS = { classNames: undefined, source: undefined } as const;

/**
 * Reads CIFAR-10 binary batch files from disk (`data_batch_1.bin` …, `test_batch.bin`; gzipped files
 * are decompressed), concatenated in the order given.
 *
 * @param paths - one batch file or an array of them.
 * @param options - `classNames` (default {@link CIFAR10_CLASSES}), `source` (default `"file:<first path>"`).
 * @returns a {@link Dataset} `[N,32,32,3]`.
 * @throws {@link @robustjs/core!index.RobustError} naming the file: `NOT_FOUND`, `IO_ERROR`, `CORRUPT_FILE` (not a whole
 *   number of 3073-byte records, a label outside [0, K)).
 * @example
 * ```ts
 * const test = await readCifar10Files('cifar-10-batches-bin/test_batch.bin');
 * ```
 */
export async function readCifar10Files(paths: string | readonly string[], options?: ReadCifar10FilesOptions): Promise<Dataset> {
  const fn = 'readCifar10Files';
  const o = resolveOptions(fn, DEFAULTS, options);
  const list: readonly unknown[] = typeof paths === 'string' ? [paths] : paths;
  assert(Array.isArray(list) && list.length > 0 && list.every((p) => typeof p === 'string' && p.length > 0), 'INVALID_ARGUMENT', () =>
    `Argument 'paths' passed to '${fn}' must be a file path or a non-empty array of them, got ${describeValue(paths)}.`);
  const files = list as readonly string[];
  return readCifar10Impl(
    await settleInOrder(files.map(async (p) => ({ bytes: gunzipIfNeeded(await readFileChecked(p, fn), p, fn), subject: `'${p}' read by '${fn}'` }))),
    checkClassNames(o.classNames, fn) ?? CIFAR10_CLASSES,
    checkSource(o.source, fn) ?? `file:${files[0]}`,
  );
}
