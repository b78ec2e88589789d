import type * as tf from '@tensorflow/tfjs';
import type { Images, NoisePredictor, PurifierOptions, TimestepPurifier } from '@robustjs/core';
import type { NoiseSchedule } from '../schedule';
import type { TimestepsLike } from '../timesteps';
import type { VpSde } from '../vpSde';
import type { ChainStep } from '@robustjs/core';
import type { GradientMode } from './chain';

/** The sampler a purifier stage runs. */
export type PurifierSampler = 'ddpm' | 'sde' | 'gdmp';

/** MSE guidance of GDMP (Wang et al. 2022) toward the input being purified. */
export interface GdmpGuidance {
  /** `guide_scale` of the reference config. Default 60000. */
  readonly scale: number;
  /** `ptb`, the perturbation budget the scale is tuned for, in [0,1] pixels. Default 8/255. */
  readonly ptb: number;
}

/** Everything that defines a diffusion purifier (serializable apart from `model`, `schedule`, `sde`). */
export interface DiffusionPurifierSettings {
  /** The epsilon predictor. */
  readonly model: NoisePredictor;
  /** Its discrete noise schedule. */
  readonly schedule: NoiseSchedule;
  /** Default timestep t* of each stage (one stage for DiffPure, 4 × 36 for GDMP, 8 for GNS). */
  readonly stages: readonly number[];
  /** Denoising steps K of each stage (the full chain is K = t*). */
  readonly steps: readonly number[];
  /** Which sampler each stage runs. */
  readonly sampler: PurifierSampler;
  /** η of the DDPM/DDIM steps (1 = DDPM ancestral). Default 1. */
  readonly eta: number;
  /** GDMP guidance (sampler `'gdmp'`); `null` turns it off. */
  readonly guidance: GdmpGuidance | null;
  /** The VP-SDE of the `'sde'` sampler. */
  readonly sde: VpSde | null;
  /** Gradient mode for attacks ({@link GradientMode}). Default `'full'`. */
  readonly gradient: GradientMode;
  /** Seed of the purifier's own stream: call k without a `seed` uses the k-th seed of this stream. Default 0. */
  readonly seed: number;
}

/** Per-stage timesteps: one value/array for every stage, or a function of the stage index and its default t*. */
export type StageTimesteps = TimestepsLike | ((stage: number, tStar: number) => TimestepsLike);

/** Options of `purifier.purify`. */
export interface PurifyOptions extends PurifierOptions {
  /** Per-sample timesteps (default: each stage's t*). See {@link StageTimesteps}. */
  readonly t?: StageTimesteps;
}

/**
 * A diffusion purifier: callable as a core `TimestepPurifier` `(x, t?, { seed })` (images `[N,H,W,C]` in [0,1],
 * per-sample t applied to every stage, or the defaults), with its settings and a `with` to derive variants
 * (surrogate chains, gradient modes).
 */
export interface DiffusionPurifier extends TimestepPurifier {
  /** Purifies with per-sample `t` for every stage (a `[N]` tensor, an array, one number), or the stages' defaults. */
  (x: Images, t?: TimestepsLike, options?: PurifierOptions): Images;
  /** `'diffpure'`, `'diffpure-sde'`, `'gdmp'` or `'gns'`. */
  readonly kind: string;
  /** The settings in force. */
  readonly settings: DiffusionPurifierSettings;
  /**
   * Purifies `x` (`[N,H,W,C]` in [0,1]) → same shape in [0,1]; differentiable according to `settings.gradient`.
   * @throws RobustError for malformed images, timesteps outside [0, T] or of another length than N.
   */
  purify(x: Images, options?: PurifyOptions): tf.Tensor4D;
  /**
   * The chain `purify(x, { seed })` runs with the stages' default timesteps, as deterministic steps
   * on the diffusion range: with u₀ = 2x − 1, `u_{k+1} = steps[k](u_k, u₀)` and purified =
   * `clip((u_L + 1)/2, 0, 1)`. Each stage contributes its noising step and its denoising steps
   * (L = Σ (steps[s] + 1) for the DDPM and GDMP samplers). For attacks that need the intermediate states
   * (DiffAttack's deviated-reconstruction loss and its segment-wise gradient).
   * With `t`, the chain `purify(x, { t, seed })` runs: per-sample timesteps (SSNI's t(x)), as `purify`'s `t`;
   * the number of steps does not change with t.
   * @param n - the batch size N ≥ 1 (the steps draw noise of shape `[N,H,W,C]`).
   * @param seed - the draw seed (an integer), as `purify`'s `seed`.
   * @param t - per-sample timesteps for every stage ({@link StageTimesteps}); default each stage's t*.
   * @returns the L steps, each `(u [N,H,W,C], guide [N,H,W,C]) → [N,H,W,C]`, deterministic.
   * @throws RobustError `INVALID_ARGUMENT` for n or seed that are not integers (n ≥ 1); as `purify` for
   *   timesteps outside [0, T] or of another length than n.
   */
  chain(n: number, seed: number, t?: StageTimesteps): readonly ChainStep[];
  /** A purifier with some settings changed (e.g. `{ steps: [20] }` for the attack's surrogate chain). */
  with(changes: Partial<Omit<DiffusionPurifierSettings, 'model' | 'schedule'>>): DiffusionPurifier;
}
