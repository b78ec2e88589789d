/*
 * DiffAttack — Kang, Song, Li, Li, "DiffAttack: Evasion Attacks Against Diffusion-Based Adversarial
 * Purification", NeurIPS 2023 (arXiv:2311.16124). The official repository (kangmintong/DiffAttack)
 * holds only a README ("codes will be uploaded soon"), so this follows the paper.
 *
 * Notation: x ↔ x_adv, r_k ↔ the clean input's state at step k, u_k ↔ the adversarial input's state
 * x_t, deviation ↔ α (weight of L_dev), segment ↔ the segment length of segment-wise
 * forwarding-backwarding.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, resolveOptions } from '@robustjs/core';
import type { Defense, DiffusionChainSurface, Images, Labels } from '@robustjs/core';
import { chainGradient, checkSegment } from './chainGradient';
import { chunkedAscent } from './chunkedAscent';
import { sumOfDraws } from './chunks';
import { checkBudget } from './budget';
import type { EvaluationAttack, EvaluationAttackContext } from './types';

/** Options of {@link diffAttack}. */
export interface DiffAttackOptions {
  /** Ascent iterations; default 10. */
  readonly steps?: number;
  /** Step size; default `null` = 2.5·ε/steps. */
  readonly stepSize?: number | null;
  /** Purification draws (seeds) whose gradients are summed per iteration (EOT); default 1. */
  readonly eot?: number;
  /**
   * Weight α of the deviated-reconstruction loss; default 1. 0 leaves the classification loss
   * alone.
   */
  readonly deviation?: number;
  /**
   * Chain steps per segment of the segment-wise gradient; must divide the chain's steps; default 1.
   */
  readonly segment?: number;
  /** Start from a uniform point of the ε-ball; default true. */
  readonly randomStart?: boolean;
  /** Images per chunk (bounds memory; each chunk has its own seeds); default 16. */
  readonly chunkSize?: number;
}

/**
 * Defaults of {@link diffAttack}: 10 steps, step 2.5·ε/steps, EOT 1, α = 1, segments of 1, random
 * start, chunks of 16.
 */
export const DIFF_ATTACK_DEFAULTS = Object.freeze({
  steps: 10,
  stepSize: undefined as number | null | undefined,
  eot: 1,
  deviation: 1,
  segment: 1,
  randomStart: true,
  chunkSize: 16,
});

/**
 * DiffAttack (Kang et al., NeurIPS 2023) against a diffusion purification defense (DiffPure, GDMP,
 * GNS through `@robustjs/diffusion`'s `purifierDefense`: any defense whose `surface.diffusion`
 * exposes its chain), as an evaluation attack.
 *
 * 1. The objective of an image x' with clean image x and label y, for one purification draw (seed
 *    s): `J = CE(f(P_s(x')), y) + α Σ_{k=1..L} mean((u_k(x') − r_k(x))²)` (the paper's L_cls + α
 *    L_dev, L_dev its deviated-reconstruction loss), u_k and r_k the chain's states on x' and x
 *    with the same noise (`surface.diffusion.chain(B, s)`).
 * 2. Its gradient is exact and taken segment by segment ({@link chainGradient}, the paper's
 *    segment-wise forwarding-backwarding): memory holds one segment of `segment` steps.
 * 3. Per iteration the gradients of `eot` draws are summed and a PGD step in the threat model's
 *    norm is taken, projected onto the ε-ball ∩ [0,1]; chunks and seeds as in `pgdEotAttack`.
 *
 * Deviations from the paper: (a) PGD steps instead of the paper's APGD (AutoAttack) optimiser; (b)
 * L_dev is the per-state squared distance to the clean trajectory under the same noise, uniformly
 * weighted over the states, a sample estimate of the paper's distribution deviation (the paper's
 * per-timestep weights are not used); (c) the chain is the defense's surrogate chain
 * (`surface.description`), not necessarily the defense's own.
 *
 * Shapes: images `[B,H,W,C]` in [0,1], labels `[B]` int32; one candidate `[B,H,W,C]`.
 *
 * @param options - {@link DiffAttackOptions}; defaults {@link DIFF_ATTACK_DEFAULTS}.
 * @returns the attack (name `'diffattack'`, one candidate).
 * @throws RobustError `INVALID_ARGUMENT` for steps, eot, segment or chunkSize that are not integers
 *   (≥ 0, ≥ 1, ≥ 1, ≥ 1), a step size ≤ 0, a negative deviation; `UNKNOWN_OPTION`. `check` (and
 *   `run`, before any work) throws for a defense without a diffusion surface (not a
 *   `purifierDefense` around a diffusion purifier: e.g. DAD or an undefended classifier) and for a
 *   `segment` that does not divide the chain's steps.
 * @example
 * ```ts
 * const attack = diffAttack({ steps: 20, segment: 2, deviation: 1 });
 * const result = await evaluateDefense(defense, evaluationData(x, y), {
 *   attacks: [attack], threat: { norm: 'linf', eps: 0.1 },
 * });
 * ```
 */
export function diffAttack(options?: DiffAttackOptions): EvaluationAttack {
  const fn = 'diffAttack';
  const o = resolveOptions(fn, DIFF_ATTACK_DEFAULTS, options);
  const givenStep = checkBudget(o, fn);
  assertNumber(o.deviation, 'deviation', fn, { min: 0 });
  assertNumber(o.segment, 'segment', fn, { integer: true, min: 1 });
  const settings = Object.freeze({
    steps: o.steps,
    stepSize: givenStep,
    eot: o.eot,
    deviation: o.deviation,
    segment: o.segment,
    randomStart: o.randomStart,
    chunkSize: o.chunkSize,
  });
  const surfaceOf = (defense: Defense, where: string): DiffusionChainSurface => {
    const d = defense.surface.diffusion;
    assert(
      d !== undefined,
      'INVALID_ARGUMENT',
      () =>
        `Attack '${where}' (diffattack) needs the diffusion chain of a purification defense, ` +
        `but defense ` +
        `'${defense.label}' exposes none (no surface.diffusion: ` +
        `it is not a purifierDefense or ssniDefense around a DiffPure, GDMP ` +
        'or GNS purifier). ' +
        "Use 'pgd-eot' or the defense's recommended attacks.",
    );
    checkSegment(o.segment, d.length, `${fn} (attack '${where}', defense '${defense.label}')`);
    return d;
  };
  return Object.freeze({
    name: 'diffattack',
    settings,
    check(defense: Defense, where: string) {
      surfaceOf(defense, where);
    },
    describe(defense: Defense) {
      const L = defense.surface.diffusion?.length ?? '?';
      return (
        `DiffAttack (${o.steps} PGD steps, EOT ${o.eot}, α = ${o.deviation}, ` +
        `segments of ${o.segment} of ` +
        `${L} chain steps), exact segment-wise gradient through the chain of: ` +
        defense.surface.description
      );
    },
    run(defense: Defense, x: Images, y: Labels, context: EvaluationAttackContext) {
      const chain = surfaceOf(defense, 'diffattack');
      const gradient = (xAdv: Images, xb: Images, yb: Labels, nextSeed: () => number): Images => {
        const final = (u: tf.Tensor4D): tf.Scalar =>
          tf.tidy(() => {
            // [B,H,W,C] in [0,1]
            const images = tf.clipByValue(tf.mul(tf.add(u, 1), 0.5), 0, 1) as Images;
            const logits = chain.classifier(images); // [B,K]
            return tf.losses.softmaxCrossEntropy(
              tf.oneHot(yb, logits.shape[1]),
              logits,
              undefined,
              undefined,
              tf.Reduction.SUM,
            ) as tf.Scalar;
          });
        return sumOfDraws(o.eot, () => chainGradient(xAdv, chain.chain(xAdv.shape[0], nextSeed(), xAdv), {
          segment: o.segment,
          final,
          reference: xb,
          deviation: o.deviation,
        }));
      };
      return [chunkedAscent({ ...o, stepSize: givenStep, gradient }, x, y, context)];
    },
  });
}
