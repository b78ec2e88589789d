import { MNIST_CLASSES } from '../classNames';
import type { Dataset } from '../types';
import { loadIdxSplit, type LoadIdxOptions } from './loadIdxSplit';

/**
 * Loads an MNIST split (handwritten digits, 28×28 grey, classes `'0'`…`'9'`). The IDX files
 * (`train-*` / `t10k-*`, gzipped or raw) are searched in `root` when given (the folder itself, then
 * `root/mnist`) and nowhere else, otherwise in `$ROBUSTJS_DATA/mnist`. MNIST is not embedded; get the
 * files once with `download()` (checksummed) into that folder.
 *
 * @param options - `split` (`'train'` 60,000 or `'test'` 10,000; default `'test'`), `root` (default: search).
 * @returns a {@link Dataset} `[N,28,28,1]`; `source` says where it was found.
 * @throws {@link @robustjs/core!index.RobustError} `NOT_FOUND` listing the folders tried; `CORRUPT_FILE` / `SHAPE_MISMATCH`
 *   naming the file for bad content; `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for bad options.
 * @example
 * ```ts
 * const train = await loadMnist({ split: 'train', root: '/data/mnist' });
 * ```
 */
export function loadMnist(options?: LoadIdxOptions): Promise<Dataset> {
  return loadIdxSplit('loadMnist', options, {
    sub: 'mnist',
    classNames: MNIST_CLASSES,
    fix: 'Put the four IDX files in $ROBUSTJS_DATA/mnist (download() fetches them with a checksum), or pass { root }.',
  });
}
