/**
 * `@robustjs/zoo`: pretrained Fashion-MNIST models made by this repository's own training command
 * (`npm run train -w @robustjs/zoo -- --model cnn|featurizer`), with a manifest recording the command, seed,
 * training data checksum, training time, metrics and the SHA-256 of every file, checked on every load.
 *
 * The loaders read files and are **Node only**; {@link zooManifest} and {@link buildArchitecture} run anywhere.
 *
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export type * from './manifestTypes';
export { buildArchitecture, FEATURE_LAYER } from './architectures';
export type { ZooModelName } from './architectures';
export { zooManifest, zooEntry } from './manifest';
export { modelsDir } from './modelsDir';
export { loadZooModel } from './loadZooModel';
export type { LoadZooModelOptions } from './loadZooModel';
export { loadReferenceCnn, referenceClassifier, loadFeaturizer } from './referenceModels';
