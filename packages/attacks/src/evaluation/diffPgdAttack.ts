/*
 * Diff-PGD — Xue, Araujo, Hu, Chen, "Diffusion-Based Adversarial Sample Generation for Improved
 * Stealthiness and Controllability", NeurIPS 2023 (arXiv:2305.16494); official code
 * xavihart/Diff-PGD, `code/attack_global.py` (`Denoised_Classifier.sdedit`,
 * `generate_x_adv_denoised`, `generate_x_adv_denoised_v2`).
 *
 * Notation: x + δ ↔ `xAdv`, SDEdit R(·) ↔ `surface.diffusion.sdedit(B, s, tStar, ddimSteps)`, t ↔
 * `tStar` (in the defense schedule's timesteps), respace ↔ `ddimSteps`.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { ChainStep, Defense, DiffusionChainSurface, Images, Labels } from '@robustjs/core';
import { chainGradient } from './chainGradient';
import { chunkedAscent } from './chunkedAscent';
import { sumOfDraws } from './chunks';
import { checkBudget } from './budget';
import type { EvaluationAttack, EvaluationAttackContext } from './types';

/**
 * Diff-PGD's two gradients: through the SDEdit chain (`'v1'`), or taken at the purified image
 * (`'v2'`).
 */
export type DiffPgdVersion = 'v1' | 'v2';

/** Options of {@link diffPgdAttack}. */
export interface DiffPgdAttackOptions {
  /** Ascent iterations; default 10 (the official `iter`). */
  readonly steps?: number;
  /** Step size; default `null` = 2.5·ε/steps. */
  readonly stepSize?: number | null;
  /** SDEdit draws (seeds) whose gradients are summed per iteration (EOT); default 1. */
  readonly eot?: number;
  /**
   * SDEdit noise level t* in the defense schedule's timesteps; default `null` = the defense chain's
   * first t*.
   */
  readonly tStar?: number | null;
  /** Respaced DDIM steps from t* to 0 (at most t*); default 5. */
  readonly ddimSteps?: number;
  /** `'v1'` (default) or `'v2'` ({@link DiffPgdVersion}). */
  readonly version?: DiffPgdVersion;
  /**
   * Start from a uniform point of the ε-ball; default `null` = true for v1 (advertorch
   * `rand_init`), false for v2.
   */
  readonly randomStart?: boolean | null;
  /** Images per chunk (bounds memory; each chunk has its own seeds); default 16. */
  readonly chunkSize?: number;
}

/**
 * Defaults of {@link diffPgdAttack}: 10 steps, step 2.5·ε/steps, EOT 1, the defense's t*, 5 DDIM
 * steps, v1, chunks of 16.
 */
export const DIFF_PGD_ATTACK_DEFAULTS = Object.freeze({
  steps: 10,
  stepSize: undefined as number | null | undefined,
  eot: 1,
  tStar: undefined as number | null | undefined,
  ddimSteps: 5,
  version: 'v1' as DiffPgdVersion,
  randomStart: undefined as boolean | null | undefined,
  chunkSize: 16,
});

/** Σ CE of the classifier on the image of a final state u `[B,H,W,C]` (diffusion range). */
const ceOfState =
  (chain: DiffusionChainSurface, y: Labels) =>
  (u: tf.Tensor4D): tf.Scalar =>
    tf.tidy(() => {
      const images = tf.clipByValue(tf.mul(tf.add(u, 1), 0.5), 0, 1) as Images; // [B,H,W,C]
      const logits = chain.classifier(images); // [B,K]
      return tf.losses.softmaxCrossEntropy(
        tf.oneHot(y, logits.shape[1]),
        logits,
        undefined,
        undefined,
        tf.Reduction.SUM,
      ) as tf.Scalar;
    });

/**
 * The gradient of one draw, by version: x' `[B,H,W,C]`, the SDEdit steps, the loss on the final
 * state.
 */
const GRADIENTS: Readonly<
  Record<
    DiffPgdVersion,
    (x: Images, steps: readonly ChainStep[], loss: (u: tf.Tensor4D) => tf.Scalar) => Images
  >
> = {
  // exact gradient through the SDEdit chain, one step on the tape at a time
  v1: (x, steps, loss) => chainGradient(x, steps, { segment: 1, final: loss }),
  // the purified image's gradient, applied to δ (the chain is not differentiated)
  v2: (x, steps, loss) =>
    tf.tidy(() => {
      const u0 = tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D; // [B,H,W,C] in [−1,1]
      const uL = steps.reduce((u, s) => s(u, u0), u0);
      const purified = tf.clipByValue(tf.mul(tf.add(uL, 1), 0.5), 0, 1) as Images;
      return tf.grad((p: tf.Tensor) => loss(tf.sub(tf.mul(p, 2), 1) as tf.Tensor4D))(
        purified,
      ) as Images;
    }),
};

/**
 * Diff-PGD (Xue et al., NeurIPS 2023) as an evaluation attack on a diffusion purification defense
 * (any defense whose `surface.diffusion` exposes its noise predictor's SDEdit chains:
 * `@robustjs/diffusion`'s `purifierDefense` around DiffPure, GDMP or GNS).
 *
 * 1. R_s(x') = SDEdit of x': noise to t* with seed s, then `ddimSteps` respaced DDIM steps (η = 0)
 *    to 0.
 * 2. v1: g = ∇_{x'} CE(f(R_s(x')), y) through the chain (exact; memory of one step, {@link
 *    chainGradient}). v2: g = ∇_p CE(f(p), y) at p = R_s(x'), applied to δ as if R were the
 *    identity.
 * 3. x' ← Π(x' + stepSize · ascentDirection(Σ_draws g)), Π onto the ε-ball ∩ [0,1]; chunks and
 *    seeds as in `pgdEotAttack`. The candidate is x + δ.
 *
 * Deviations from the official code: (a) the candidate is x + δ, inside the threat model; the
 * official code also reports the purified R(x + δ), which is not in the ε-ball; (b) t* and the DDIM
 * steps are in the defense's schedule (default t* = the defense's own, not the official t = 2–3
 * respaced steps of 1000, which targets stealth rather than a purifier); (c) l_2 is supported
 * (official: l_inf); (d) v2 projects x + δ onto [0,1] every step (official: δ onto the ball, [0,1]
 * at the end); (e) the step size default is 2.5·ε/steps (official α = 2/255 with ε = 16/255); (f)
 * fresh SDEdit noise per iteration from the seed stream, summed over `eot` draws.
 *
 * Shapes: images `[B,H,W,C]` in [0,1], labels `[B]` int32; one candidate `[B,H,W,C]`.
 *
 * @param options - {@link DiffPgdAttackOptions}; defaults {@link DIFF_PGD_ATTACK_DEFAULTS}.
 * @returns the attack (name `'diff-pgd'` for v1, `'diff-pgd-v2'` for v2, so that a report tells them
 *   apart; one candidate).
 * @throws RobustError `INVALID_ARGUMENT` for steps, eot, ddimSteps, tStar or chunkSize that are not
 *   integers (≥ 0, ≥ 1, ≥ 1, ≥ 1, ≥ 1), a step size ≤ 0, a version other than 'v1' or 'v2';
 *   `UNKNOWN_OPTION`. `check` (and `run`, before any work) throws for a defense without
 *   `surface.diffusion` (e.g. DAD, an undefended classifier) and for tStar > T or ddimSteps >
 *   tStar.
 * @example
 * ```ts
 * const attack = diffPgdAttack({ steps: 10, ddimSteps: 5, version: 'v2' });
 * const result = await evaluateDefense(defense, evaluationData(x, y), {
 *   attacks: [attack], threat: { norm: 'linf', eps: 0.1 },
 * });
 * ```
 */
export function diffPgdAttack(options?: DiffPgdAttackOptions): EvaluationAttack {
  const fn = 'diffPgdAttack';
  const o = resolveOptions(fn, DIFF_PGD_ATTACK_DEFAULTS, options);
  const { randomStart: _start, ...budget } = o;
  const givenStep = checkBudget(budget, fn);
  const givenT = o.tStar ?? null;
  if (givenT !== null) assertNumber(givenT, 'tStar', fn, { integer: true, min: 1 });
  assertNumber(o.ddimSteps, 'ddimSteps', fn, { integer: true, min: 1 });
  assert(
    Object.hasOwn(GRADIENTS, o.version),
    'INVALID_ARGUMENT',
    () =>
      `Option 'version' passed to '${fn}' must be 'v1' or 'v2', got ${describeValue(o.version)}.`,
  );
  const givenStart = o.randomStart ?? null;
  assert(
    givenStart === null || typeof givenStart === 'boolean',
    'INVALID_ARGUMENT',
    () =>
      `Option 'randomStart' passed to '${fn}' must be true, false or null, got ${describeValue(
        givenStart,
      )}.`,
  );
  const randomStart = givenStart ?? o.version === 'v1';
  const settings = Object.freeze({
    steps: o.steps,
    stepSize: givenStep,
    eot: o.eot,
    tStar: givenT,
    ddimSteps: o.ddimSteps,
    version: o.version,
    randomStart,
    chunkSize: o.chunkSize,
  });
  const surfaceOf = (
    defense: Defense,
    where: string,
  ): { chain: DiffusionChainSurface; tStar: number } => {
    const chain = defense.surface.diffusion;
    assert(
      chain !== undefined,
      'INVALID_ARGUMENT',
      () =>
        `Attack '${where}' (diff-pgd) needs the diffusion model of a purification defense ` +
        `for its SDEdit, but ` +
        `defense '${defense.label}' exposes none (no surface.diffusion: ` +
        `it is not a purifierDefense or ssniDefense around a ` +
        "DiffPure, GDMP or GNS purifier). Use 'pgd-eot' or the defense's recommended attacks.",
    );
    const tStar = givenT ?? chain.tStar;
    assert(
      tStar <= chain.T && o.ddimSteps <= tStar,
      'INVALID_ARGUMENT',
      () =>
        `Attack '${where}' (diff-pgd) on defense '${defense.label}': ` +
        `options tStar (${tStar}) and ddimSteps ` +
        `(${o.ddimSteps}) must satisfy 1 ≤ ddimSteps ≤ tStar ≤ T = ${chain.T}.`,
    );
    return { chain, tStar };
  };
  return Object.freeze({
    name: o.version === 'v2' ? 'diff-pgd-v2' : 'diff-pgd',
    settings,
    check(defense: Defense, where: string) {
      surfaceOf(defense, where);
    },
    describe(defense: Defense) {
      const t = givenT ?? defense.surface.diffusion?.tStar ?? '?';
      const how =
        o.version === 'v1' ? 'gradient through the SDEdit' : 'gradient at the SDEdit output (v2)';
      return (
        `Diff-PGD ${o.version} (${o.steps} steps, EOT ${o.eot}, ` +
        `SDEdit t* = ${t} with ${o.ddimSteps} ` +
        `DDIM steps, ${how}), the defense's noise predictor and classifier`
      );
    },
    run(defense: Defense, x: Images, y: Labels, context: EvaluationAttackContext) {
      const { chain, tStar } = surfaceOf(defense, 'diff-pgd');
      const gradient = (xAdv: Images, _xb: Images, yb: Labels, nextSeed: () => number): Images => {
        const loss = ceOfState(chain, yb);
        return sumOfDraws(o.eot, () => {
          const steps = chain.sdedit(xAdv.shape[0], nextSeed(), tStar, o.ddimSteps);
          return GRADIENTS[o.version](xAdv, steps, loss);
        });
      };
      const plan = {
        steps: o.steps,
        stepSize: givenStep,
        randomStart,
        chunkSize: o.chunkSize,
        gradient,
      };
      return [chunkedAscent(plan, x, y, context)];
    },
  });
}
