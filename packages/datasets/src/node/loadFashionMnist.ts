import { FASHION_MNIST_CLASSES } from '../classNames';
import type { Dataset } from '../types';
import { embeddedDataDir } from './embeddedDataDir';
import { loadIdxSplit, type LoadIdxOptions } from './loadIdxSplit';

/** Where the Debian package `dataset-fashion-mnist` installs the four gzipped IDX files. */
export const DEBIAN_FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * Loads a Fashion-MNIST split (Zalando SE, MIT licence): 28×28 grey images of 10 clothing classes
 * ({@link FASHION_MNIST_CLASSES}). The files (`train-*` / `t10k-*` `-idx?-ubyte`, gzipped or raw) are
 * searched in order:
 *
 * 1. `root`, when given (the folder itself, then `root/fashion-mnist`), and nowhere else;
 * 2. `$ROBUSTJS_DATA/fashion-mnist`;
 * 3. `/usr/share/datasets/fashion-mnist` (Debian: `apt-get install dataset-fashion-mnist`);
 * 4. the copy of the **test split** embedded in this package ({@link embeddedDataDir}), so the test
 *    split loads offline on a fresh machine.
 *
 * @param options - `split` (`'train'` 60,000 or `'test'` 10,000; default `'test'`), `root` (default: search).
 * @returns a {@link Dataset} `[N,28,28,1]` with `Uint8Array` labels; `source` says where it was found,
 *   e.g. `"debian:/usr/share/datasets/fashion-mnist"` or `"embedded:…/data"`.
 * @throws {@link @robustjs/core!index.RobustError} `NOT_FOUND` listing the folders tried (e.g. the train split without the
 *   Debian package, `ROBUSTJS_DATA` or `root`); `CORRUPT_FILE` / `SHAPE_MISMATCH` naming the file for
 *   bad content; `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for bad options.
 * @example
 * ```ts
 * const test = await loadFashionMnist({ split: 'test' });
 * console.log(test.shape, test.source); // [10000, 28, 28, 1] 'debian:/usr/share/datasets/fashion-mnist'
 * ```
 */
export function loadFashionMnist(options?: LoadIdxOptions): Promise<Dataset> {
  return loadIdxSplit('loadFashionMnist', options, {
    sub: 'fashion-mnist',
    system: DEBIAN_FASHION_MNIST_DIR,
    embedded: embeddedDataDir,
    classNames: FASHION_MNIST_CLASSES,
    fix: 'Install the Debian package (apt-get install dataset-fashion-mnist), put the files in $ROBUSTJS_DATA/fashion-mnist, ' +
      'or pass { root }; only the test split is embedded in this package. download() fetches files with a checksum.',
  });
}
