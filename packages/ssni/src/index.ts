/**
 * `@robustjs/ssni`: SSNI, sample-specific score-aware noise injection (Sun et al., ICML 2025), for any
 * epsilon-predicting diffusion model on TensorFlow.js.
 *
 * {@link epsNorm} (the expected perturbation score norm), {@link calibrate} / {@link SsniCalibration} (clean
 * reference statistics), {@link ssniTimesteps} (SSNI-N and SSNI-L), {@link ssniPurifier} (per-sample timesteps
 * around DiffPure, GDMP or GNS of `@robustjs/diffusion`) and {@link ssniAttackModel} (the adaptive attack hook).
 *
 * @packageDocumentation
 */
export { epsNorm, EPS_NORM_DEFAULTS } from './epsNorm';
export type { EpsNormOptions } from './epsNorm';
export type { DiffusionProcess } from './process';
export { SsniCalibration, calibrate, CALIBRATE_DEFAULTS } from './calibration';
export type { CalibrationSettings, CalibrationJson, CalibrateOptions } from './calibration';
export { ssniTimesteps, roundHalfEven } from './reweight';
export type { SsniRule, RuleStatistics, RuleParameters } from './reweight';
export { ssniPurifier, SSNI_PURIFIER_DEFAULTS } from './ssniPurifier';
export type { SsniPurifierOptions } from './ssniPurifier';
export type { SsniPurifier, SsniSettings, SsniInfo, SsniPurifyOptions } from './ssniTypes';
export { ssniAttackModel, SSNI_ATTACK_MODEL_DEFAULTS } from './ssniAttackModel';
export type { SsniAttackModel, SsniAttackModelOptions } from './ssniAttackModel';
