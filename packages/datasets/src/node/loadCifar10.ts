import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { resolveOptions } from '@robustjs/core';
import { CIFAR10_CLASSES } from '../classNames';
import { readCifar10Impl } from '../readCifar10';
import type { Dataset, Split } from '../types';
import { gunzipIfNeeded, readFileChecked } from './files';
import { checkSplit } from './loadIdxSplit';
import { findDataset, searchDirs } from './searchPath';
import { settleInOrder } from '../settleInOrder';

/** Options of {@link loadCifar10}. */
export interface LoadCifar10Options {
  /** `'train'` (the five `data_batch_*.bin`, 50,000 images) or `'test'` (`test_batch.bin`, 10,000); default `'test'`. */
  readonly split?: Split;
  /** The `cifar-10-batches-bin` folder (or its parent); when given it is the only place searched. */
  readonly root?: string;
}

const FILES: Record<Split, Record<string, readonly string[]>> = {
  train: Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`batch${i}`, [`data_batch_${i}.bin`]])),
  test: { test: ['test_batch.bin'] },
};

const DEFAULTS = { split: 'test' as Split, root: undefined as string | undefined };

/**
 * Loads a CIFAR-10 split from the binary version (`cifar-10-binary.tar.gz`, extracted). The folder
 * `cifar-10-batches-bin` is searched in `root` when given (the folder itself, then
 * `root/cifar-10-batches-bin`) and nowhere else, otherwise in `$ROBUSTJS_DATA/cifar-10-batches-bin`.
 * Class names come from `batches.meta.txt` when present, else {@link CIFAR10_CLASSES}.
 *
 * @param options - `split` (default `'test'`), `root` (default: search).
 * @returns a {@link Dataset} `[N,32,32,3]` (50,000 for train, 10,000 for test).
 * @throws {@link @robustjs/core!index.RobustError} `NOT_FOUND` listing the folders tried; `CORRUPT_FILE` naming the file for
 *   bad content; `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for bad options.
 * @example
 * ```ts
 * const test = await loadCifar10({ split: 'test', root: '/data/cifar-10-batches-bin' });
 * ```
 */
export async function loadCifar10(options?: LoadCifar10Options): Promise<Dataset> {
  const fn = 'loadCifar10';
  const o = resolveOptions(fn, DEFAULTS, options);
  const wanted = checkSplit(o.split, FILES, fn);
  const found = findDataset(searchDirs(o.root, fn, 'cifar-10-batches-bin', undefined, undefined), wanted, fn,
    'Extract cifar-10-binary.tar.gz into $ROBUSTJS_DATA (download() fetches it with a checksum), or pass { root }.');
  const paths = Object.values<string>(found.files);
  const parts = await settleInOrder(paths.map(async (p) => ({ bytes: gunzipIfNeeded(await readFileChecked(p, fn), p, fn), subject: `'${p}' read by '${fn}'` })));
  const meta = await readFile(join(found.dir, 'batches.meta.txt'), 'utf8').catch(() => undefined);
  const names = meta?.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
  const classNames = names !== undefined && names.length >= 10 && new Set(names).size === names.length ? names : CIFAR10_CLASSES;
  return readCifar10Impl(parts, classNames, `${found.kind}:${found.dir}`);
}
