/**
 * `@robustjs/zoo`: pretrained Fashion-MNIST models made by this repository's own training command
 * (`npm run train -w @robustjs/zoo -- --model cnn|featurizer`), with a manifest recording the command, seed,
 * training data checksum, training time, metrics and the SHA-256 of every file, checked on every load.
 *
 * This entry runs in browsers and Node: {@link zooManifest}, {@link buildArchitecture},
 * {@link loadZooModelFromUrl} (models over `http(s)://`, SHA-256 checked) and {@link featureModel}. The loaders
 * that read the package's own files (`loadZooModel`, `referenceClassifier`, `loadFeaturizer`, `modelsDir`) are
 * Node only and live in `@robustjs/zoo/node`.
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
export { loadZooModelFromUrl } from './loadZooModelFromUrl';
export type { LoadZooModelFromUrlOptions } from './loadZooModelFromUrl';
export { featureModel } from './featureModel';
export { wideResNet, wideResNetParams, WIDE_RESNET_DEFAULTS } from './torch/wideResNet';
export type { WideResNetConfig } from './torch/wideResNet';
export { resNet, resNetParams, RESNET_DEFAULTS, IMAGENET_NORMALIZATION } from './torch/resNet';
export type { ResNetConfig } from './torch/resNet';
export { torchParameterCount } from './torch/torchClassifier';
export type { TorchClassifier, ChannelNormalization } from './torch/torchClassifier';
export { torchClassifierArchitecture, TORCH_CLASSIFIER_PRESETS } from './torch/torchClassifiers';
export type {
  TorchClassifierKind, TorchClassifierPreset, TorchClassifierArchitecture, TorchClassifierConfig,
} from './torch/torchClassifiers';
