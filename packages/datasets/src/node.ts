/**
 * `@robustjs/datasets/node`: the Node-only half of the datasets package. Readers of IDX and CIFAR-10
 * files and of image folders, the dataset loaders with their search path (`root` → `$ROBUSTJS_DATA` →
 * the Debian package → the Fashion-MNIST test split embedded in this package), and checksummed,
 * atomic downloads. The dataset operations (batches, shuffles, subsets) are in `@robustjs/datasets`.
 *
 * @packageDocumentation
 */
export { readIdxFiles } from './node/readIdxFiles';
export type { ReadIdxFilesOptions } from './node/readIdxFiles';
export { readCifar10Files } from './node/readCifar10Files';
export type { ReadCifar10FilesOptions } from './node/readCifar10Files';
export { readImageFolder } from './node/readImageFolder';
export type { ReadImageFolderOptions } from './node/readImageFolder';
export { loadFashionMnist, DEBIAN_FASHION_MNIST_DIR } from './node/loadFashionMnist';
export { loadMnist } from './node/loadMnist';
export type { LoadIdxOptions } from './node/loadIdxSplit';
export { loadCifar10 } from './node/loadCifar10';
export type { LoadCifar10Options } from './node/loadCifar10';
export { embeddedDataDir } from './node/embeddedDataDir';
export { download } from './node/download';
export type { DownloadOptions } from './node/download';
