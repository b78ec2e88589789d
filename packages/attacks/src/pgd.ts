/*
 * PGD — Madry, Makelov, Schmidt, Tsipras & Vladu, "Towards deep learning models resistant to adversarial
 * attacks", ICLR 2018, eq. (2); the l_2 variant with a normalised gradient step.
 *
 * Notation (code → paper): xAdv → x^t, stepSize → α, eps → ε, projectToBall → Π_{x+S}, crossEntropy → L(θ, x, y).
 *
 * 1. x⁰ = x + U(B_ε) (core's randomStartInBall) or x, clipped to [0,1].
 * 2. x^{t+1} = Π_{B_ε(x) ∩ [0,1]}(x^t + α · sign(∇_x L)) for l_inf, or α · ∇L / ‖∇L‖₂ for l_2;
 *    targeted: descend L(θ, x, target) instead.
 * 3. Return x^{steps}.
 */
import * as tf from '@tensorflow/tfjs';
import { ascentDirection, assertLabels, assertNorm, projectToBall, randomStartInBall, resolveOptions } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { crossEntropy } from './crossEntropy';
import { checkAttackInputs } from './internal/checkAttackInputs';
import type { Norm } from './types';

/** Options of {@link pgd}. */
export interface PgdOptions {
  /** Budget in `norm`; default `8/255`. */
  readonly eps?: number;
  /** Step size η (l_inf: per pixel; l_2: per image); default `2/255`. */
  readonly stepSize?: number;
  /** Number of gradient steps; default `10`. */
  readonly steps?: number;
  /** `'linf'` (sign steps) or `'l2'` (normalised gradient steps); default `'linf'`. */
  readonly norm?: Norm;
  /** Start from a uniform random point of the eps-ball; default `true`. */
  readonly randomStart?: boolean;
  /** Seed of the random start; default `0`. */
  readonly seed?: number;
  /** Target labels `[N]` int32: when given the attack is targeted and descends CE towards them. Default none. */
  readonly target?: Labels;
}

/** Defaults of {@link pgd}: `eps = 8/255`, `stepSize = 2/255`, `steps = 10`, `norm = 'linf'`, `randomStart = true`, `seed = 0`, untargeted. */
export const PGD_DEFAULTS = Object.freeze({
  eps: 8 / 255,
  stepSize: 2 / 255,
  steps: 10,
  norm: 'linf',
  randomStart: true,
  seed: 0,
  target: undefined,
} as const);

type PgdConfig = Required<Omit<PgdOptions, 'target'>> & { readonly target: Labels | undefined };

/**
 * Projected gradient descent (Madry et al., 2018, "Towards deep learning models resistant to adversarial attacks").
 *
 * 1. x⁰ = x + U(ball of radius eps) clipped to [0,1] if `randomStart`, else x.
 * 2. For t = 0 … steps−1: g = ∇ CE(f(xᵗ), y) (untargeted, ascend) or −∇ CE(f(xᵗ), target) (targeted);
 *    d = sign(g) (l_inf) or g/‖g‖₂ (l_2); xᵗ⁺¹ = Π_{B(x,eps) ∩ [0,1]}(xᵗ + stepSize · d).
 * 3. Return x^steps (the last iterate).
 *
 * @param model - the classifier (or whole defense), `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link PgdOptions}; defaults {@link PGD_DEFAULTS}: `eps = 8/255`, `stepSize = 2/255`,
 *   `steps = 10`, `norm = 'linf'`, `randomStart = true`, `seed = 0`.
 * @returns adversarial images `[N,H,W,C]`, inside the eps-ball of `norm` around `x` and in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`/`target`, `eps < 0`, `stepSize ≤ 0`, non-integer or negative
 *   `steps`, an invalid `norm`, a batch mismatch, or an unknown option.
 * @example
 * ```ts
 * const xAdv = pgd(model, x, y, { eps: 8 / 255, steps: 40 });
 * ```
 */
export function pgd(model: Classifier, x: Images, y: Labels, options?: PgdOptions): Images {
  const cfg = resolveOptions<PgdConfig>('pgd', PGD_DEFAULTS, options);
  const k = checkAttackInputs('pgd', model, x, y, cfg);
  assertNorm(cfg.norm, 'pgd');
  const { target } = cfg;
  if (target !== undefined) assertLabels(target, 'target', 'pgd', { batch: x.shape[0], numClasses: k });
  const labels = target ?? y;
  const sign = target === undefined ? 1 : -1;
  const lossGrad = tf.grad((xx: tf.Tensor) => tf.mul(sign, tf.sum(crossEntropy(model(xx as Images), labels))));
  return tf.tidy(() => {
    let xAdv = cfg.randomStart ? randomStartInBall(x, cfg.eps, cfg.norm, cfg.seed) : tf.clone(x);
    for (let t = 0; t < cfg.steps; t++) {
      const next = tf.tidy(() => {
        const d = ascentDirection(lossGrad(xAdv) as tf.Tensor4D, cfg.norm);
        return projectToBall(tf.add(xAdv, tf.mul(cfg.stepSize, d)), x, cfg.eps, cfg.norm);
      });
      xAdv.dispose();
      xAdv = next;
    }
    return xAdv;
  });
}
