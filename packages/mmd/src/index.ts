/**
 * `@robustjs/mmd`: deep-kernel maximum mean discrepancy for TensorFlow.js.
 *
 * Pure parts ({@link pairwiseSqDist}, {@link gaussianKernel}, {@link DeepKernel}), statistics from kernel
 * matrices ({@link mmd2Unbiased}, {@link mmd2Biased}, {@link h1Variance}, {@link testPower}), MMD-OPT
 * training ({@link trainMmdOpt}), two-sample tests on a pooled kernel matrix ({@link permutationTest},
 * {@link wildBootstrap}), blockwise statistics for large samples ({@link blockwiseMmd}), and DAD's batch
 * detector ({@link MmdDetector}). Depends on `@robustjs/core` and the `@tensorflow/tfjs` peer only.
 *
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export type * from './types';
export { pairwiseSqDist } from './pairwiseSqDist';
export { gaussianKernel, createGaussianKernel } from './gaussianKernel';
export { medianSqDist } from './medianSqDist';
export type { MedianSqDistOptions } from './medianSqDist';
export { DeepKernel } from './DeepKernel';
export type { DeepKernelParams, DeepKernelState, DeepKernelInitOptions } from './DeepKernel';
export { kernelMatrices, pooledKernelMatrix } from './kernelMatrices';
export { mmd2Unbiased, mmd2Biased, MMD2_ESTIMATORS } from './mmd2';
export { h1Variance } from './h1Variance';
export { testPower } from './testPower';
export type { TestPowerOptions } from './testPower';
export { trainMmdOpt } from './trainMmdOpt';
export type { TrainMmdOptOptions, TrainMmdOptResult, MmdOptProgress } from './trainMmdOpt';
export { permutationTest } from './permutationTest';
export type { PermutationTestOptions } from './permutationTest';
export { wildBootstrap } from './wildBootstrap';
export type { WildBootstrapOptions } from './wildBootstrap';
export { blockwiseMmd } from './blockwiseMmd';
export type { BlockwiseMmdOptions, BlockwiseMmdResult } from './blockwiseMmd';
export { MmdDetector } from './MmdDetector';
export { MMD_DETECTOR_DEFAULTS } from './mmdDetectorConfig';
export type { MmdDetectorConfig, MmdDetectorOptions } from './mmdDetectorConfig';
export { MMD_DETECTOR_FORMAT_VERSION } from './detectorFile';
