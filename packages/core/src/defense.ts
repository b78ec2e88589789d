/*
 * The one contract every defense implements (undefended classifier, DiffPure, GDMP, GNS, SSNI around any
 * timestep purifier, DAD, a user's own purifier). The evaluator in `@robustjs/attacks` and the `robustjs`
 * CLI know defenses only through it.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Classifier, Images, Logits } from './types';

/** A JSON value (what a defense's settings and info records are made of). */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * What a defense says about one batch it classified, besides the logits: plain JSON (numbers and arrays,
 * no tensors), one record per batch. Per-image arrays have one entry per image of the batch.
 * SSNI: `{ norms: number[], timesteps: number[] }`; DAD: `{ statistic, threshold, flagged }`.
 */
export type DefenseInfo = { readonly [key: string]: JsonValue };

/** Options of {@link Defense.classify}. */
export interface DefenseClassifyOptions {
  /** The batch's seed (an integer ≥ 1) for the defense's randomness; the same seed gives the same outcome. */
  readonly seed: number;
  /** Also return the images the classifier saw (purified, denoised or as is); default false. */
  readonly keepImages?: boolean;
}

/** What {@link Defense.classify} returns for one batch. */
export interface DefenseOutput<I extends DefenseInfo = DefenseInfo> {
  /**
   * The defense's logits `[N,K]`, or the vote counts `[N,K]` of a voting defense: the prediction is the
   * argmax of each row, ties to the smaller class. The caller disposes it.
   */
  readonly logits: Logits;
  /** The images the classifier saw `[N,H,W,C]` in [0,1] (when `keepImages`); the caller disposes them. */
  readonly images?: Images;
  /** The typed per-batch record. */
  readonly info: I;
}

/**
 * A differentiable term an adaptive loss may use besides the classifier's logits, e.g. DAD's detector
 * statistic MMD²_b(R, B). `value` returns a scalar for the whole batch (batch detectors) or `[N]` per image.
 */
export interface SurfaceTerm {
  /** What it measures, in words. */
  readonly description: string;
  /** The term on a batch `[N,H,W,C]` in [0,1]; differentiable with respect to `x`. */
  readonly value: (x: Images) => tf.Scalar | tf.Tensor1D;
  /** The threshold the defense compares it with, when it has one (the batch is flagged when `value > threshold`). */
  readonly threshold?: number;
}

/** How the gradient of {@link AttackSurface.model} relates to the defense's own computation. */
export type SurfaceGradient =
  /** The model is the defense itself, differentiated exactly (deterministic or with the same randomness). */
  | 'exact'
  /** The same computation with fewer steps (a shorter diffusion chain), as the adaptive-attack papers use. */
  | 'surrogate'
  /** The forward pass is the defense's, the backward pass treats its purification as the identity (BPDA). */
  | 'bpda'
  /** No gradient: only score-based (black-box) attacks apply. */
  | 'none';

/**
 * One deterministic step of a purification chain on the diffusion range [−1,1] (same input → same
 * output: its noise comes from a fixed seed): state `u` `[N,H,W,C]` and the chain's guide u₀
 * `[N,H,W,C]` → the next state. Steps that read the guide (GDMP's guidance) set `usesGuide`.
 */
export type ChainStep = ((u: tf.Tensor4D, guide: tf.Tensor4D) => tf.Tensor4D) & {
  readonly usesGuide?: boolean;
};

/**
 * The internals of a diffusion purification defense that attacks on the chain itself need
 * (DiffAttack: the intermediate states; Diff-PGD: an SDEdit chain with the defense's noise
 * predictor). States live on the diffusion range: u₀ = 2x − 1, `u_{k+1} = steps[k](u_k, u₀)`,
 * and the purified image is `clip((u_L + 1)/2, 0, 1)`, classified by `classifier`;
 * `surface.model(x, s)` equals `classifier` of the purified image of `chain(N, s)`.
 */
export interface DiffusionChainSurface {
  /** The classifier after purification: images `[N,H,W,C]` in [0,1] → logits `[N,K]`. */
  readonly classifier: Classifier;
  /** The number of steps L of `chain` (noising and denoising steps of every stage). */
  readonly length: number;
  /** The first stage's timestep t* (the noise level an SDEdit of the same strength starts from). */
  readonly tStar: number;
  /** The schedule's number of timesteps T. */
  readonly T: number;
  /**
   * The chain `surface.model` runs for a batch of `n` images and draw seed `seed` (an integer ≥ 1).
   * A defense whose steps depend on the input (SSNI: the timesteps t(x) from each image's EPS norm)
   * computes them from `x`, the current iterate, without gradient; the others ignore `x`.
   * @param n - the batch size N ≥ 1.
   * @param seed - the draw seed, an integer ≥ 1.
   * @param x - the images `[N,H,W,C]` in [0,1] the chain is for; required when `inputDependent`.
   * @returns L deterministic steps.
   */
  chain(n: number, seed: number, x?: Images): readonly ChainStep[];
  /**
   * Whether `chain` depends on the images (then `x` must be given, and the chain recomputed for every
   * iterate); absent or false for a fixed chain.
   */
  readonly inputDependent?: boolean;
  /**
   * An SDEdit chain with the same noise predictor and schedule (Meng et al. 2022, as Diff-PGD uses
   * it): noise to timestep `tStar` (1 … T), then `steps` (1 … tStar) respaced deterministic DDIM
   * steps (η = 0) to 0.
   * @returns `steps + 1` deterministic steps.
   */
  sdedit(n: number, seed: number, tStar: number, steps: number): readonly ChainStep[];
}

/**
 * What an adaptive attacker should differentiate: the model, the extra loss terms, and whether the defense
 * is randomized (then gradients are averaged over draws: EOT).
 */
export interface AttackSurface {
  /**
   * The differentiable pipeline an attacker ascends a loss through: images `[N,H,W,C]` in [0,1] and a draw
   * seed (an integer ≥ 1) → logits `[N,K]`. Deterministic defenses ignore the seed.
   */
  readonly model: (x: Images, seed: number) => Logits;
  /**
   * Whether the defense draws randomness (attacks then average gradients over seeds: EOT). True also when only some
   * inputs take a random route (DAD denoises flagged batches with noise, passes others as they are).
   */
  readonly randomized: boolean;
  /** How `model`'s gradient relates to the defense ({@link SurfaceGradient}). */
  readonly gradient: SurfaceGradient;
  /** `model`, in words (e.g. `'full backprop through a 5-step DiffPure surrogate chain'`). */
  readonly description: string;
  /** Extra differentiable terms by name (DAD: `statistic`); empty for most defenses. */
  readonly terms: Readonly<Record<string, SurfaceTerm>>;
  /**
   * The attacks this defense's authors or its strongest known adaptive attacks use, by the evaluator's attack
   * names with their options (e.g. `[{ name: 'pgd-eot' }]`, DAD: `[{ name: 'dad-adaptive', objectives: [...] }]`).
   * An evaluation that names no attacks runs these.
   */
  readonly recommendedAttacks: readonly { readonly name: string; readonly [option: string]: JsonValue }[];
  /** The smallest batch the defense classifies (batch defenses such as DAD route whole batches); 1 otherwise. */
  readonly minBatchSize: number;
  /**
   * The purification chain behind `model`, for attacks on the chain itself (DiffAttack, Diff-PGD);
   * present on diffusion purification defenses (`purifierDefense` around DiffPure, GDMP or GNS),
   * absent elsewhere.
   */
  readonly diffusion?: DiffusionChainSurface;
}

/** A defense described as JSON: what is reported next to every number it produces. */
export interface DefenseDescription {
  /** The row label, e.g. `'DiffPure + SSNI-N'`. */
  readonly label: string;
  /** The method family, e.g. `'ssni'`. */
  readonly kind: string;
  /** The label of the defense this one modifies (the Δ column's base), or null. */
  readonly modifies: string | null;
  /** Every setting that changes a number (steps, timesteps, calibration statistics, thresholds). */
  readonly settings: DefenseInfo;
  /** The attack surface in words. */
  readonly surface: string;
}

/**
 * A defense: classifies batches with a seed, describes itself, and exposes the attack surface an adaptive
 * attacker should use. Every defense of robustjs implements it (`@robustjs/attacks` `undefended`,
 * `@robustjs/diffusion` `purifierDefense` for DiffPure, GDMP and GNS, `@robustjs/ssni` `ssniDefense`,
 * `@robustjs/dad` `dadDefense(...).asDefense()`), and so can a user's own.
 *
 * Shapes: images `[N,H,W,C]` in [0,1]; logits `[N,K]`.
 *
 * @example
 * ```ts
 * const out = defense.classify(x, { seed: 1 });
 * const predicted = tf.argMax(out.logits, 1); // [N]
 * out.logits.dispose();
 * ```
 */
export interface Defense<I extends DefenseInfo = DefenseInfo> {
  /** The row label. */
  readonly label: string;
  /**
   * Classifies one batch. Throws `RobustError` for a malformed batch before any work.
   * @param x - images `[N,H,W,C]` in [0,1], N ≥ `surface.minBatchSize`.
   * @param options - `seed` (required), `keepImages` (default false).
   */
  classify(x: Images, options: DefenseClassifyOptions): DefenseOutput<I>;
  /** The attack surface. */
  readonly surface: AttackSurface;
  /** The defense as JSON. */
  describe(): DefenseDescription;
  /** Frees what the defense allocated (most own nothing). */
  dispose(): void;
}
