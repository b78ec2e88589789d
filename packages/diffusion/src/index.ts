/**
 * `@robustjs/diffusion`: noise schedules, forward noising, samplers with per-sample timesteps (DDPM/DDIM with η,
 * VP-SDE Euler–Maruyama, probability-flow ODE), a trainable DDPM UNet, epsilon-loss training with EMA and
 * resumable checkpoints, the DiffPure, GDMP and GNS purifiers with gradient modes for adaptive attacks, and
 * `purifierDefense`, which makes any of them (or a user's own purifier) a core `Defense`.
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export { linearSchedule, cosineSchedule, alphaBar, assertSchedule } from './schedule';
export type { NoiseSchedule, LinearScheduleOptions, CosineScheduleOptions } from './schedule';
export { scheduleFromBetas } from './scheduleFromBetas';
export { vpSde } from './vpSde';
export type { VpSde, VpSdeOptions } from './vpSde';
export { qSample, toDiffusionRange, fromDiffusionRange } from './qSample';
export type { QSampleOptions } from './qSample';
export { readTimesteps, perSample } from './timesteps';
export type { TimestepsLike } from './timesteps';
export { ddimStep, ddimInvertStep, stepCoefficients } from './steps';
export type { DdimStepOptions, StepCoefficients } from './steps';
export { vpSdeStep, probabilityFlowStep } from './sdeSteps';
export type { SdeStepOptions } from './sdeSteps';
export { createUnet, unetFromSafetensors } from './unet/unet';
export type { Unet, CreateUnetOptions } from './unet/unet';
export { UNET_PRESETS, resolveUnetConfig } from './unet/config';
export type { UnetConfig, UnetPreset } from './unet/config';
export { unet2DModel } from './torch/unet2DModel';
export type { Unet2DModel } from './torch/unet2DModel';
export {
  resolveDiffusersUnetConfig,
  DIFFUSERS_UNET_DEFAULTS,
} from './torch/resolveDiffusersUnetConfig';
export type {
  DiffusersUnetConfig,
  DiffusersDownBlockType,
  DiffusersUpBlockType,
} from './torch/resolveDiffusersUnetConfig';
export { diffusersUnetParams, legacyDiffusersName } from './torch/diffusersUnetParams';
export type { DiffusersAttentionNaming } from './torch/diffusersUnetParams';
export { ddpmpp } from './torch/ddpmpp';
export type { Ddpmpp } from './torch/ddpmpp';
export { DDPMPP_DEFAULTS, resolveDdpmppConfig } from './torch/ddpmppConfig';
export type { DdpmppConfig } from './torch/ddpmppConfig';
export { ddpmppTorchParams } from './torch/ddpmppTorchParams';
export { ddpmppLabels, DDPMPP_LABEL_SCALE } from './torch/ddpmppLabels';
export { ddpmppRandomWeights } from './torch/ddpmppRandomWeights';
export { trainDiffusion } from './train';
export type { TrainDiffusionOptions, TrainDiffusionResult, TrainProgress, TrainCheckpoint, TrainingImages } from './train';
export { stepMatrix, stepPairs, noiseIndices } from './sequences';
export { diffPure, gdmp, gns, majorityVote } from './purifiers/factories';
export type { DiffPureOptions, GdmpOptions, GnsOptions, MajorityVoteOptions } from './purifiers/factories';
export { createDiffusionPurifier } from './purifiers/purifier';
export type { DiffusionPurifier, DiffusionPurifierSettings, PurifyOptions, StageTimesteps, PurifierSampler, GdmpGuidance } from './purifiers/types';
export type { GradientMode } from './purifiers/chain';
export { purifierDefense, PURIFIER_DEFENSE_DEFAULTS } from './purifierDefense';
export { diffusionChainSurface } from './diffusionChainSurface';
export type { DiffusionChainSurfaceOptions } from './diffusionChainSurface';
export type { PurifierDefenseOptions, SeededPurifier } from './purifierDefense';
