/**
 * `@robustjs/ssni`: SSNI, sample-specific score-aware noise injection (Sun et al., ICML 2025), for any
 * epsilon-predicting diffusion model on TensorFlow.js.
 *
 * {@link epsNorm} (the expected perturbation score norm), {@link calibrate} / {@link SsniCalibration} (clean
 * reference statistics), {@link ssniTimesteps} (SSNI-N and SSNI-L), {@link ssniPurifier} (per-sample timesteps
 * around DiffPure, GDMP or GNS of `@robustjs/diffusion`, or your own purifier through {@link timestepPurifier}),
 * {@link ssniAttackModel} (the adaptive attack hook) and {@link ssniDefense} (SSNI as a core `Defense`).
 *
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export { epsNorm, EPS_NORM_DEFAULTS } from './epsNorm';
export type { EpsNormOptions, EpsNorms } from './epsNorm';
export type { DiffusionProcess } from './process';
export { SsniCalibration, calibrate, CALIBRATE_DEFAULTS } from './calibration';
export type { CalibrationSettings, CalibrationJson, CalibrateOptions } from './calibration';
export { ssniTimesteps, roundHalfEven } from './reweight';
export type { SsniRule, RuleStatistics, RuleParameters } from './reweight';
export { ssniPurifier, SSNI_PURIFIER_DEFAULTS } from './ssniPurifier';
export type { SsniPurifierOptions } from './ssniPurifier';
export type { SsniPurifier, SsniBase, SsniSettings, SsniInfo, SsniPurifyOptions } from './ssniTypes';
export { timestepPurifier, TIMESTEP_PURIFIER_DEFAULTS } from './timestepPurifier';
export type {
  PlainTimestepPurifier, PlainTimestepPurifierSettings, PlainPurifyOptions, PlainGradientMode, TimestepPurifierOptions,
} from './timestepPurifier';
export { ssniAttackModel, SSNI_ATTACK_MODEL_DEFAULTS } from './ssniAttackModel';
export type { SsniAttackModel, SsniAttackModelOptions } from './ssniAttackModel';
export { ssniDefense, SSNI_DEFENSE_DEFAULTS } from './ssniDefense';
export type { SsniDefenseOptions, SsniDefenseInfo } from './ssniDefense';
