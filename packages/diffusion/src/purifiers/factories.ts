import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertNumber, describeValue, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, NoisePredictor } from '@robustjs/core';
import { assertSchedule, type NoiseSchedule } from '../schedule';
import type { VpSde } from '../vpSde';
import type { GradientMode } from './chain';
import { createDiffusionPurifier } from './purifier';
import { sdeForSchedule } from './sdeForSchedule';
import type { DiffusionPurifier, GdmpGuidance, StageTimesteps } from './types';

/** Options of {@link diffPure}. */
export interface DiffPureOptions {
  /** t*: noise to index t*−1. Default 100 (CIFAR-10 setting of DiffPure and SSNI). */
  readonly t: number;
  /** Denoising steps K (K = t* is the full chain; the papers' attack surrogate uses 20). Default 100. */
  readonly steps: number;
  /** `'ddpm'` (the DDPM discretisation SSNI and Lee & Kim evaluate) or `'sde'` (VP-SDE Euler–Maruyama). Default `'ddpm'`. */
  readonly solver: 'ddpm' | 'sde';
  /** η of the DDPM steps. Default 1. */
  readonly eta: number;
  /**
   * The VP-SDE of the `'sde'` solver. Default: the one matching a linear schedule,
   * βmin = T·β_0, βmax = T·β_{T−1} (`vpSde()` for `linearSchedule()`); required for a schedule
   * whose betas are not linear (cosine, most custom ones).
   */
  readonly sde: VpSde | undefined;
  /** Gradient mode for attacks. Default `'full'`. */
  readonly gradient: GradientMode;
  /** Seed of the purifier's stream. Default 0. */
  readonly seed: number;
}

/**
 * DiffPure (Nie et al., ICML 2022, [arXiv:2205.07460](https://arxiv.org/abs/2205.07460)) as a per-sample {@link DiffusionPurifier}: map x to [−1,1], noise each image to index
 * `t_i − 1`, run K reverse steps (per-sample step matrix as in SSNI's code, so a batch may mix timesteps), map back.
 * `solver: 'sde'` integrates the reverse VP-SDE from s_i = t_i/T to 1e−5 in K Euler–Maruyama steps instead
 * (masked per sample on a shared grid).
 *
 * @param model - epsilon predictor (e.g. `unet.predict`).
 * @param schedule - its schedule.
 * @param options - see {@link DiffPureOptions}.
 * @returns the purifier: `p(x)`, `p(x, tPerSample)`, `p.purify(x, { t, seed })`, `p.with({ steps: [20] })`.
 * @throws RobustError for t* outside [0, T], steps < 1, unknown options; `INVALID_ARGUMENT` for
 *   `solver: 'sde'` without `sde` on a schedule whose betas are not linear (no VP-SDE matches it).
 * @example
 * ```ts
 * const purify = diffPure(unet.predict, linearSchedule(), { t: 100, steps: 20 });
 * const xp = purify(x, undefined, { seed: 1 });
 * ```
 */
export function diffPure(model: NoisePredictor, schedule: NoiseSchedule, options?: Partial<DiffPureOptions>): DiffusionPurifier {
  const fn = 'diffPure';
  const o = resolveOptions(fn, { t: 100, steps: 100, solver: 'ddpm', eta: 1, sde: undefined, gradient: 'full', seed: 0 } as DiffPureOptions, options);
  assert(o.solver === 'ddpm' || o.solver === 'sde', 'INVALID_ARGUMENT', () =>
    `Option 'solver' passed to '${fn}' must be 'ddpm' or 'sde', got ${describeValue(o.solver)}.`);
  // t and steps are checked under their own names (the generic checks call them stages[0] and steps[0])
  assertSchedule(schedule, fn);
  assertNumber(o.t, 't', fn, { integer: true, min: 0, max: schedule.T });
  assertNumber(o.steps, 'steps', fn, { integer: true, min: 1 });
  return createDiffusionPurifier(o.solver === 'sde' ? 'diffpure-sde' : 'diffpure', {
    model, schedule, stages: [o.t], steps: [o.steps], sampler: o.solver, eta: o.eta, guidance: null,
    sde: o.solver === 'sde' ? o.sde ?? sdeForSchedule(schedule, fn) : null,
    gradient: o.gradient, seed: o.seed,
  }, fn);
}

/** Options of {@link gdmp}. */
export interface GdmpOptions {
  /** t* of every iteration. Default 36. */
  readonly t: number;
  /** Number of noise-and-denoise iterations. Default 4. */
  readonly iterations: number;
  /** Denoising steps per iteration (full = t*). Default 36. */
  readonly steps: number;
  /** MSE guidance toward the input, or `null` for none. Default `{ scale: 60000, ptb: 8/255 }`. */
  readonly guidance: GdmpGuidance | null;
  /** Gradient mode. Default `'full'`. */
  readonly gradient: GradientMode;
  /** Seed of the purifier's stream. Default 0. */
  readonly seed: number;
}

/**
 * GDMP (Wang et al. 2022, [arXiv:2205.14969](https://arxiv.org/abs/2205.14969)): `iterations` rounds of re-noising the current image to t*−1 and running guided DDPM
 * steps (clipped û0, fixed-large variance, MSE guidance toward the input).
 *
 * @param model - epsilon predictor.
 * @param schedule - its schedule.
 * @param options - see {@link GdmpOptions}.
 * @returns the purifier (per-sample t applies to every iteration).
 * @throws RobustError for invalid options.
 * @example
 * ```ts
 * const purify = gdmp(unet.predict, linearSchedule(), { iterations: 2 });
 * ```
 */
export function gdmp(model: NoisePredictor, schedule: NoiseSchedule, options?: Partial<GdmpOptions>): DiffusionPurifier {
  const fn = 'gdmp';
  const o = resolveOptions(fn, { t: 36, iterations: 4, steps: 36, guidance: { scale: 60000, ptb: 8 / 255 }, gradient: 'full', seed: 0 } as GdmpOptions, options);
  assertNumber(o.iterations, 'iterations', fn, { integer: true, min: 1 });
  return createDiffusionPurifier('gdmp', {
    model, schedule, stages: new Array<number>(o.iterations).fill(o.t), steps: new Array<number>(o.iterations).fill(o.steps),
    sampler: 'gdmp', eta: 1, guidance: o.guidance, sde: null, gradient: o.gradient, seed: o.seed,
  }, fn);
}

/** Options of {@link gns}. */
export interface GnsOptions {
  /** t* of each stage. Default `[30, 30, 30, 30, 50, 50, 125, 125]` (Lee & Kim 2023, CIFAR-10). */
  readonly stages: readonly number[];
  /** Denoising steps of each stage. Default: full steps (= each t*). */
  readonly steps: readonly number[] | undefined;
  /** Gradient mode. Default `'full'`. */
  readonly gradient: GradientMode;
  /** Seed of the purifier's stream. Default 0. */
  readonly seed: number;
}

/**
 * GNS, gradual noise scheduling (Lee & Kim, "Robust Evaluation of Diffusion-Based Adversarial Purification", ICCV 2023): a multi-stage DDPM purification, each stage re-noising the
 * current image to its t*−1 and denoising. The defense votes over runs: {@link majorityVote}.
 * The attack surrogate of the paper is `gns(model, schedule, { stages: [30, 50, 125], steps: [1, 1, 5] })`.
 *
 * @param model - epsilon predictor.
 * @param schedule - its schedule.
 * @param options - see {@link GnsOptions}.
 * @returns the purifier; per-sample t for GNS is usually given per stage: `p.purify(x, { t: (k, tStar) => … })`.
 * @throws RobustError for invalid options.
 * @example
 * ```ts
 * const purify = gns(unet.predict, linearSchedule(), { stages: [30, 50, 125], steps: [10, 10, 25] });
 * ```
 */
export function gns(model: NoisePredictor, schedule: NoiseSchedule, options?: Partial<GnsOptions>): DiffusionPurifier {
  const fn = 'gns';
  const o = resolveOptions(fn, { stages: [30, 30, 30, 30, 50, 50, 125, 125], steps: undefined, gradient: 'full', seed: 0 } as GnsOptions, options);
  return createDiffusionPurifier('gns', {
    model, schedule, stages: o.stages, steps: o.steps ?? o.stages.map((t) => Math.max(t, 1)), sampler: 'ddpm', eta: 1,
    guidance: null, sde: null, gradient: o.gradient, seed: o.seed,
  }, fn);
}

/** Options of {@link majorityVote}. */
export interface MajorityVoteOptions {
  /** Independent purification runs. Default 10 (Lee & Kim). */
  readonly runs: number;
  /** Per-sample timesteps passed to the purifier (default: its stages' t*). */
  readonly t: StageTimesteps | undefined;
  /** Seed of the runs. Default 0. */
  readonly seed: number;
}

/**
 * The voting defense of GNS: purify `runs` times with independent noise, classify each, and take the most
 * frequent label per image (ties → the smaller class index). Run r purifies with the (r+1)-th
 * `seedStream(seed).nextSeed()`, the draws of `purifierDefense` with `runs`. Not differentiable (use the
 * purifier with EOT for attacks).
 *
 * @param classifier - the classifier.
 * @param purifier - a diffusion purifier.
 * @param x - images `[N,H,W,C]` in [0,1].
 * @param options - `runs` (10), `t`, `seed` (0).
 * @returns `{ labels: [N] int32, votes: [N,K] int32 }`.
 * @throws RobustError for malformed images, runs < 1.
 * @example
 * ```ts
 * const { labels } = majorityVote(classifier, gns(unet.predict, schedule), x, { runs: 5 });
 * ```
 */
export function majorityVote(classifier: Classifier, purifier: { purify: (x: Images, o?: { t?: StageTimesteps; seed?: number }) => tf.Tensor4D },
  x: Images, options?: Partial<MajorityVoteOptions>): { labels: tf.Tensor1D; votes: tf.Tensor2D } {
  const fn = 'majorityVote';
  const o = resolveOptions(fn, { runs: 10, t: undefined, seed: 0 } as MajorityVoteOptions, options);
  assertNumber(o.runs, 'runs', fn, { integer: true, min: 1 });
  assertImages(x, 'x', fn);
  const seeds = seedStream(o.seed);
  let votes: tf.Tensor2D | undefined;
  for (let r = 0; r < o.runs; r++) {
    // run r purifies with seedStream(seed).nextSeed() drawn r + 1 times: the draws of purifierDefense's vote
    const seed = seeds.nextSeed();
    const next = tf.tidy(() => {
      const logits = classifier(purifier.purify(x, { seed, ...(o.t === undefined ? {} : { t: o.t }) }));
      const oneHot = tf.oneHot(tf.argMax(logits, 1) as tf.Tensor1D, logits.shape[1]).toInt() as tf.Tensor2D;
      return votes === undefined ? oneHot : (tf.add(votes, oneHot) as tf.Tensor2D);
    });
    votes?.dispose();
    votes = next;
  }
  const labels = tf.tidy(() => {
    // argmax returns the first maximum: ties go to the smaller class index
    return tf.argMax(votes!, 1).toInt() as tf.Tensor1D;
  });
  return { labels, votes: votes! };
}
