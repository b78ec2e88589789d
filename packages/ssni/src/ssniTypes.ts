import type * as tf from '@tensorflow/tfjs';
import type { Images, NoisePredictor } from '@robustjs/core';
import type { DiffusionPurifier } from '@robustjs/diffusion';
import type { SsniCalibration } from './calibration';
import type { EpsNorms } from './epsNorm';
import type { DiffusionProcess } from './process';
import type { SsniRule } from './reweight';
import type { PlainTimestepPurifier } from './timestepPurifier';

/**
 * What SSNI wraps: a `DiffusionPurifier` of `@robustjs/diffusion` (`diffPure`, `gdmp`, `gns`; stages and step counts)
 * or a {@link PlainTimestepPurifier} (your own purifier from `timestepPurifier(fn, { tStar, T })`; one stage).
 */
export type SsniBase = DiffusionPurifier | PlainTimestepPurifier;

/** The settings an {@link SsniPurifier} runs with (options resolved). */
export interface SsniSettings {
  /** The rule. */
  readonly rule: SsniRule;
  /** τ in force. */
  readonly tau: number;
  /** b. */
  readonly bias: number;
  /** Steps added to each stage's K (always 0 for a plain timestep purifier). */
  readonly extraSteps: number;
  /** T_S (the calibration's). */
  readonly epsSteps: number;
  /** Seed of the EPS noise. */
  readonly epsSeed: number;
  /** Images per EPS model call. */
  readonly batchSize: number;
  /** Each stage's default t* (the base purifier's). */
  readonly stages: readonly number[];
  /** Denoising steps per stage actually run (base K + extraSteps); empty for a plain timestep purifier (its sampler owns its steps). */
  readonly steps: readonly number[];
}

/** What one SSNI purification did, for reports. */
export interface SsniInfo {
  /** The purified images `[N,H,W,C]` in [0,1] (the caller owns them). */
  readonly images: tf.Tensor4D;
  /** e(x), one per sample ({@link EpsNorms}: the type `epsNorm` returns). */
  readonly norms: EpsNorms;
  /** Per-sample timesteps, one `Int32Array` per stage. */
  readonly timesteps: readonly Int32Array[];
}

/** Options of one SSNI purification call. */
export interface SsniPurifyOptions {
  /** Seed of the purifier's noise (forward noising and ancestral steps); default: the base purifier's stream. */
  readonly seed?: number;
  /** Replaces every stage's t* that the rule rescales (one integer ≥ 1); default the base stages' t*. */
  readonly tStar?: number;
}

/**
 * A purifier that gives each input its own noise level (SSNI), wrapped around a diffusion purifier (`B` =
 * `DiffusionPurifier`, the default) or a plain timestep purifier (`B` = {@link PlainTimestepPurifier}).
 */
export interface SsniPurifier<B extends SsniBase = DiffusionPurifier> {
  /** `(x, tStar?, { seed })`: purified images `[N,H,W,C]` in [0,1]; `tStar` replaces every stage's t*. */
  (x: Images, tStar?: number, options?: { seed?: number }): tf.Tensor4D;
  /** Purifies `x` `[N,H,W,C]` in [0,1] → same shape in [0,1]. */
  purify(x: Images, options?: SsniPurifyOptions): tf.Tensor4D;
  /** Purifies and returns the norms and timesteps used. */
  purifyWithInfo(x: Images, options?: SsniPurifyOptions): SsniInfo;
  /** EPS norms of `x` `[N,H,W,C]` with the calibrated settings ({@link EpsNorms}, length N). */
  norms(x: Images): EpsNorms;
  /** Per-stage timesteps for given norms (and optional t* replacing every stage's). */
  timesteps(norms: ArrayLike<number>, tStar?: number): Int32Array[];
  /** The norms and timesteps of the last call (`undefined` before the first). */
  readonly last: Omit<SsniInfo, 'images'> | undefined;
  /** The base purifier as given (K steps per stage). */
  readonly base: B;
  /** The base purifier SSNI runs (K + extraSteps steps per stage; the base itself for a plain timestep purifier). */
  readonly runner: B;
  /** The EPS model. */
  readonly model: NoisePredictor;
  /** The EPS forward process. */
  readonly process: DiffusionProcess;
  /** The calibration. */
  readonly calibration: SsniCalibration;
  /** The resolved settings. */
  readonly settings: SsniSettings;
}
