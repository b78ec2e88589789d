/*
 * An EPS-aware adaptive attack on SSNI (Sun et al., ICML 2025, arXiv:2506.06027). SSNI purifies an
 * image with a timestep t(x) that grows with its EPS norm e(x); the official adaptive attack
 * recomputes t(x) on every iterate but never differentiates through it. This attack also descends
 * e(x), so that the purifier picks a smaller t(x) (less purification) while CE ascends.
 *
 * Notation: lambda ↔ λ, `surface.terms.epsNorm` ↔ e(x), `surface.model(x, s)` ↔ f(P_{t(x)}(x)).
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Defense, Images, Labels, SurfaceTerm } from '@robustjs/core';
import { chunkedAscent } from './chunkedAscent';
import { checkBudget } from './budget';
import type { EvaluationAttack, EvaluationAttackContext } from './types';

/** How the EPS term's gradient is taken: through the score network, or BPDA around it. */
export type EpsGradient = 'exact' | 'bpda';

/** The surface term each {@link EpsGradient} reads. */
const TERMS: Readonly<Record<EpsGradient, string>> = { exact: 'epsNorm', bpda: 'epsNormBpda' };

/** Options of {@link ssniEpsAwareAttack}. */
export interface SsniEpsAwareAttackOptions {
  /** Ascent iterations; default 10. */
  readonly steps?: number;
  /** Step size; default `null` = 2.5·ε/steps. */
  readonly stepSize?: number | null;
  /** Purification draws whose CE gradients are summed per iteration (EOT); default 1. */
  readonly eot?: number;
  /**
   * Weight λ ≥ 0 of the EPS norm (in its own units: e(x) is in the hundreds for the shipped Fashion-MNIST UNet);
   * default 0.001. Measured on 32 held-out images against DiffPure + SSNI-N (`packages/ssni/results/
   * eps-aware-lambda.*`): robust 43.8 % at λ = 0 (PGD+EOT), 46.9 % at 0.001, 68.8 % at 0.01, 78.1 % at 0.1,
   * 90.6 % at 1: a larger λ only weakens the attack there. Measure again for another model.
   */
  readonly lambda?: number;
  /** `'exact'` (default: through the score network) or `'bpda'` ({@link EpsGradient}). */
  readonly epsGradient?: EpsGradient;
  /** Start from a uniform point of the ε-ball; default true. */
  readonly randomStart?: boolean;
  /** Images per chunk (bounds memory; each chunk has its own seeds); default 16. */
  readonly chunkSize?: number;
}

/**
 * Defaults of {@link ssniEpsAwareAttack}: 10 steps, step 2.5·ε/steps, EOT 1, λ = 0.001, exact EPS
 * gradient, random start, chunks of 16.
 */
export const SSNI_EPS_AWARE_ATTACK_DEFAULTS = Object.freeze({
  steps: 10,
  stepSize: undefined as number | null | undefined,
  eot: 1,
  lambda: 0.001 as number,
  epsGradient: 'exact' as EpsGradient,
  randomStart: true,
  chunkSize: 16,
});

/**
 * The EPS-aware adaptive attack on SSNI as an evaluation attack, against a defense whose surface
 * has the term `epsNorm` (or `epsNormBpda`): `@robustjs/ssni`'s `ssniDefense`.
 *
 * 1. The objective of an iterate x' (label y): `J = Σ_draws Σ_n CE(f(P_{t(x')}(x')), y) − λ Σ_n
 *    e(x')`, the first term through `surface.model(x', s)` (which recomputes the EPS norms and
 *    t(x') on every new iterate, without gradient through t), the second through
 *    `surface.terms.epsNorm` (the score network differentiated) or `epsNormBpda` (its Jacobian
 *    taken as the identity).
 * 2. x' ← Π(x' + stepSize · ascentDirection(∇J)), Π onto the ε-ball ∩ [0,1]; chunks and seeds as in
 *    `pgdEotAttack` (draw seeds from the chunk's stream).
 *
 * With λ = 0 it ascends CE alone on SSNI's surface, like the official protocol's PGD+EOT (whose EOT
 * averages logits where this sums per-draw CE gradients). There is no official code for this attack
 * (issue #22 of this repository proposes it).
 *
 * Shapes: images `[B,H,W,C]` in [0,1], labels `[B]` int32; one candidate `[B,H,W,C]`.
 *
 * @param options - {@link SsniEpsAwareAttackOptions}; defaults {@link
 *   SSNI_EPS_AWARE_ATTACK_DEFAULTS}.
 * @returns the attack (name `'ssni-eps-aware'`, one candidate).
 * @throws RobustError `INVALID_ARGUMENT` for steps, eot or chunkSize that are not integers (≥ 0, ≥
 *   1, ≥ 1), a step size ≤ 0, a negative λ, an `epsGradient` other than 'exact' or 'bpda';
 *   `UNKNOWN_OPTION`. `check` (and `run`, before any work) throws for a defense whose surface has
 *   no EPS term (not an SSNI defense: e.g. DiffPure alone, DAD), without gradient, or a batch
 *   defense.
 * @example
 * ```ts
 * const attack = ssniEpsAwareAttack({ steps: 20, lambda: 0.01, eot: 4 });
 * const result = await evaluateDefense(defense, evaluationData(x, y), {
 *   attacks: [attack], threat: { norm: 'linf', eps: 0.1 },
 * });
 * ```
 */
export function ssniEpsAwareAttack(options?: SsniEpsAwareAttackOptions): EvaluationAttack {
  const fn = 'ssniEpsAwareAttack';
  const o = resolveOptions(fn, SSNI_EPS_AWARE_ATTACK_DEFAULTS, options);
  const givenStep = checkBudget(o, fn);
  assertNumber(o.lambda, 'lambda', fn, { min: 0 });
  assert(
    Object.hasOwn(TERMS, o.epsGradient),
    'INVALID_ARGUMENT',
    () =>
      `Option 'epsGradient' passed to '${fn}' must be 'exact' or 'bpda', ` +
      `got ${describeValue(o.epsGradient)}.`,
  );
  const termName = TERMS[o.epsGradient];
  const settings = Object.freeze({
    steps: o.steps,
    stepSize: givenStep,
    eot: o.eot,
    lambda: o.lambda,
    epsGradient: o.epsGradient,
    randomStart: o.randomStart,
    chunkSize: o.chunkSize,
  });
  const termOf = (defense: Defense, where: string): SurfaceTerm => {
    const { surface } = defense;
    const term = surface.terms[termName];
    assert(
      term !== undefined,
      'INVALID_ARGUMENT',
      () =>
        `Attack '${where}' (ssni-eps-aware) needs the surface term '${termName}' ` +
        `(SSNI's EPS norm), but ` +
        `defense '${defense.label}' has ${
          Object.keys(surface.terms)
            .map((k) => `'${k}'`)
            .join(', ') || 'none'
        }` +
        ". Use it on an SSNI defense (ssniDefense), or 'pgd-eot' elsewhere.",
    );
    assert(
      surface.gradient !== 'none',
      'INVALID_ARGUMENT',
      () =>
        `Attack '${where}' (ssni-eps-aware) needs a differentiable attack surface, but defense ` +
        `'${defense.label}' declares gradient 'none'.`,
    );
    assert(
      surface.minBatchSize === 1,
      'INVALID_ARGUMENT',
      () =>
        `Attack '${where}' (ssni-eps-aware) attacks images in chunks, ` +
        `but defense '${defense.label}' ` +
        `classifies whole batches of at least ${surface.minBatchSize} images.`,
    );
    return term;
  };
  return Object.freeze({
    name: 'ssni-eps-aware',
    settings,
    check(defense: Defense, where: string) {
      termOf(defense, where);
    },
    describe(defense: Defense) {
      const how = o.epsGradient === 'exact' ? 'through the score network' : 'BPDA';
      return (
        `EPS-aware PGD+EOT (${o.steps} steps, EOT ${o.eot}, CE − ${o.lambda}·e(x), e(x) ${how}), ` +
        defense.surface.description
      );
    },
    run(defense: Defense, x: Images, y: Labels, context: EvaluationAttackContext) {
      const term = termOf(defense, 'ssni-eps-aware');
      const { model } = defense.surface;
      const gradient = (xAdv: Images, _xb: Images, yb: Labels, nextSeed: () => number): Images =>
        tf.tidy(() => {
          const seeds = Array.from({ length: o.eot }, () => nextSeed());
          const objective = (xx: tf.Tensor): tf.Scalar => {
            const xi = xx as Images;
            let total = tf.scalar(0);
            for (const s of seeds) {
              const logits = model(xi, s); // [B,K]
              const ce = tf.losses.softmaxCrossEntropy(
                tf.oneHot(yb, logits.shape[1]),
                logits,
                undefined,
                undefined,
                tf.Reduction.SUM,
              );
              total = tf.add(total, ce);
            }
            if (o.lambda === 0) return total;
            return tf.sub(total, tf.mul(o.lambda, tf.sum(term.value(xi))));
          };
          return tf.grad(objective)(xAdv) as Images;
        });
      const plan = {
        steps: o.steps,
        stepSize: givenStep,
        randomStart: o.randomStart,
        chunkSize: o.chunkSize,
        gradient,
      };
      return [chunkedAscent(plan, x, y, context)];
    },
  });
}
