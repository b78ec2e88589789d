/**
 * `@robustjs/datasets`: labelled image sets for robustjs, kept as compact bytes and turned into the
 * contract's tensors (images `[N,H,W,C]` float32 in [0,1], labels `[N]` int32) one batch at a time.
 *
 * This entry point runs anywhere (browsers included): in-memory readers for IDX (MNIST, Fashion-MNIST)
 * and CIFAR-10 binary files, `fetch`-based loaders, `gunzip`, and the dataset operations (seeded
 * shuffles, class-balanced subsets, train/validation splits, padding, batching). Files, image folders,
 * the dataset search path with the embedded Fashion-MNIST test split, and checksummed downloads live
 * in `@robustjs/datasets/node`.
 *
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export type * from './types';
export { FASHION_MNIST_CLASSES, MNIST_CLASSES, CIFAR10_CLASSES } from './classNames';
export { createDataset } from './createDataset';
export type { DatasetParts } from './createDataset';
export { parseIdx } from './parseIdx';
export type { IdxArray } from './parseIdx';
export { readIdx } from './readIdx';
export type { ReadIdxOptions } from './readIdx';
export { readCifar10, CIFAR10_RECORD_BYTES } from './readCifar10';
export type { ReadCifar10Options } from './readCifar10';
export { GUNZIP_MAX_BYTES, gunzip } from './gunzip';
export { fetchIdx } from './fetchIdx';
export type { FetchIdxOptions } from './fetchIdx';
export { fetchCifar10 } from './fetchCifar10';
export type { FetchCifar10Options } from './fetchCifar10';
export type { FetchLike } from './fetchBytes';
export { permutation } from './permutation';
export { select } from './select';
export { shuffle } from './shuffle';
export type { ShuffleOptions } from './shuffle';
export { balancedSubset } from './balancedSubset';
export type { BalancedSubsetOptions } from './balancedSubset';
export { trainValidationSplit } from './trainValidationSplit';
export type { TrainValidationSplitOptions, TrainValidationSplit } from './trainValidationSplit';
export { pad } from './pad';
export type { PadOptions } from './pad';
export { classCounts } from './classCounts';
export { toTensors } from './toTensors';
export type { DatasetTensors } from './toTensors';
export { batches } from './batches';
export type { BatchesOptions } from './batches';
