/**
 * `@robustjs/dad`: DAD, the distributional-discrepancy-based adversarial defense (Zhang et al., ICML 2025), on
 * TensorFlow.js.
 *
 * The HGD-style UNet denoiser ({@link Denoiser}, presets {@link DENOISER_PRESETS}), DAD's input noise
 * ({@link addClampedNoise}), the denoiser loss and training ({@link denoiserLoss}, {@link trainDenoiser}: MMD²_b to
 * the clean batch under the frozen MMD-OPT kernel + α·CE of the frozen classifier, resumable), the batch-wise
 * detect-then-denoise defense ({@link dadDefense}) with an `MmdDetector` from `@robustjs/mmd`, and DAD's adaptive
 * PGD+EOT attacks ({@link dadAdaptiveAttack}; {@link evaluateDad} is deprecated). The defense behind core's
 * `Defense` contract (`dadDefense(...).asDefense()`) and its adaptive attack for the evaluator of `@robustjs/attacks`
 * ({@link dadAdaptiveEvaluationAttack}). Node-only: `loadDad` from `@robustjs/dad/node` reads a DAD folder.
 *
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export { Denoiser } from './Denoiser';
export type { DenoiserApplyOptions } from './Denoiser';
export { DENOISER_DEFAULTS, DENOISER_PRESETS } from './denoiserConfig';
export type { DenoiserConfig, DenoiserOptions } from './denoiserConfig';
export { addClampedNoise } from './addClampedNoise';
export type { AddClampedNoiseOptions } from './addClampedNoise';
export { denoiserLoss } from './denoiserLoss';
export type { DenoiserLossTerms } from './denoiserLoss';
export { trainDenoiser } from './trainDenoiser';
export type { TrainDenoiserOptions, TrainDenoiserCheckpoint, DenoiserProgress, DenoiserEpochRecord } from './trainDenoiser';
export { kernelFromDetector } from './kernelFromDetector';
export { dadDefense } from './dadDefense';
export type { DadDefense, DadDefenseOptions, DadRoute } from './dadDefense';
export type { DadAsDefenseOptions, DadDefenseInfo, DadDefenseMode } from './dadAsDefense';
export type { DadAlwaysDenoiseInfo } from './dadAlwaysDenoise';
export { dadAdaptiveAttack, DAD_ADAPTIVE_ATTACK_DEFAULTS } from './dadAdaptiveAttack';
export type { DadAdaptiveAttackOptions, DadObjective } from './dadAdaptiveAttack';
export { evaluateDad } from './evaluateDad';
export type { DadAttackSpec, DadAttackReport, DadEvaluation, EvaluateDadOptions } from './evaluateDad';
export { dadAdaptiveEvaluationAttack, DAD_ADAPTIVE_EVALUATION_ATTACK_DEFAULTS } from './dadEvaluationAttack';
export type { DadAdaptiveEvaluationAttackOptions } from './dadEvaluationAttack';
export { DAD_OBJECTIVES, DAD_OBJECTIVE_TEXT } from './objectives';
