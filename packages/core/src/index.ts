/**
 * `@robustjs/core`: the shared tensor contract of robustjs.
 *
 * Backend binding ({@link initBackend}), the contract types (`Images`, `Labels`, `Classifier`,
 * `NoisePredictor`, `Purifier`, `Detector`, `Attack`), {@link RobustError} and the validators every
 * package uses, seeded randomness, the eps-ball helpers of the threat model (projection, ascent direction,
 * random start), autodiff helpers (`untaped`, BPDA's identity backward, gradient checkpointing), safetensors IO,
 * and the wasm kernel additions that make training and gradients work (and run fast) on the wasm backend.
 * Node-only IO lives in `@robustjs/core/node`.
 *
 * @packageDocumentation
 */
export type * from './types';
export type {
  JsonValue, DefenseInfo, DefenseClassifyOptions, DefenseOutput, SurfaceTerm, SurfaceGradient, AttackSurface,
  DefenseDescription, Defense, ChainStep, DiffusionChainSurface,
} from './defense';
export { assertDefense } from './validate/assertDefense';
export { readClassifyOptions } from './validate/readClassifyOptions';
export { RobustError, isRobustError, assert, describeValue } from './errors';
export type { RobustErrorCode } from './errors';
export { assertImages } from './validate/assertImages';
export type { AssertImagesOptions } from './validate/assertImages';
export { assertLabels } from './validate/assertLabels';
export type { AssertLabelsOptions } from './validate/assertLabels';
export { assertSameBatch } from './validate/assertSameBatch';
export { assertNumber } from './validate/assertNumber';
export type { AssertNumberOptions } from './validate/assertNumber';
export { resolveOptions } from './validate/resolveOptions';
export { assertNorm } from './validate/assertNorm';
export { projectToBall } from './ball/projectToBall';
export { ascentDirection } from './ball/ascentDirection';
export { randomStartInBall } from './ball/randomStartInBall';
export { l2NormPerSample } from './ball/l2NormPerSample';
export { untaped } from './autodiff/untaped';
export { bpdaIdentity } from './autodiff/bpdaIdentity';
export { checkpointed } from './autodiff/checkpointed';
export { seedStream, gaussianNoise } from './random';
export type { SeedStream } from './random';
export { initBackend } from './backend/initBackend';
export type { BackendName, BackendCandidate, BackendAttempt, BackendInfo } from './backend/initBackend';
export { groupNorm, groupNormIsFused, GROUP_NORM_DEFAULTS, GROUP_NORM_KERNEL, GROUP_NORM_GRAD_KERNEL } from './ops/groupNorm';
export type { GroupNormOptions, GroupNormAttrs } from './ops/groupNorm';
export { gaussianGram, gaussianGramIsFused, GAUSSIAN_GRAM_KERNEL, GAUSSIAN_GRAM_GRAD_KERNEL } from './ops/gaussianGram';
export { registerWasmKernels, unregisterWasmKernels, wasmKernelsRegistered } from './kernels/registerWasmKernels';
export { classifierFromLayersModel, classifierFromGraphModel } from './adapters';
export type { ClassifierAdapterOptions } from './adapters';
export { parseSafetensors, decodeSafetensors, encodeSafetensors, encodeSafetensorsSync, loadWeightsFromSafetensors } from './io/safetensors';
export type { SafetensorsTensor, ParsedSafetensors, ExpectedWeight, SafetensorsInput } from './io/safetensors';
export type { SafetensorsDtype, SafetensorsTfDtype, SafetensorsData } from './io/safetensorsDtypes';
export { importTorchTensors } from './io/torchImport';
export type { TorchParam, TorchLayout, TorchImportOptions } from './io/torchImport';
