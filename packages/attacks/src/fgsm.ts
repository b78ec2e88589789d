/*
 * FGSM — Goodfellow, Shlens & Szegedy, "Explaining and harnessing adversarial examples", ICLR 2015, §3.
 *
 * Notation (code → paper): x → x, y → y, eps → ε, model → f (logits), crossEntropy → J(θ, x, y).
 *
 * 1. g = ∇_x J(θ, x, y)
 * 2. x' = clip(x + ε · sign(g), 0, 1)
 */
import * as tf from '@tensorflow/tfjs';
import { resolveOptions } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { crossEntropy } from './crossEntropy';
import { checkAttackInputs } from './internal/checkAttackInputs';

/** Options of {@link fgsm}. */
export interface FgsmOptions {
  /** l_inf budget; default `8/255`. */
  readonly eps?: number;
  /** Accepted for the common attack contract; FGSM is deterministic and ignores it. Default `0`. */
  readonly seed?: number;
}

/** Defaults of {@link fgsm}: `eps = 8/255`, `seed = 0`. */
export const FGSM_DEFAULTS = Object.freeze({ eps: 8 / 255, seed: 0 } as const);

/**
 * Fast gradient sign method (Goodfellow et al., 2015, "Explaining and harnessing adversarial examples"):
 *
 * 1. g = ∇_x CE(f(x), y)
 * 2. x' = clip(x + eps · sign(g), 0, 1)
 *
 * @param model - the classifier (or whole defense), `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link FgsmOptions}; defaults {@link FGSM_DEFAULTS} (`eps = 8/255`).
 * @returns adversarial images `[N,H,W,C]` within `eps` (l_inf) of `x`, in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`, `y`, `eps < 0`, a batch mismatch, or an unknown option.
 * @example
 * ```ts
 * const xAdv = fgsm(model, x, y, { eps: 0.1 });
 * ```
 */
export function fgsm(model: Classifier, x: Images, y: Labels, options?: FgsmOptions): Images {
  const cfg = resolveOptions<Required<FgsmOptions>>('fgsm', FGSM_DEFAULTS, options);
  checkAttackInputs('fgsm', model, x, y, { eps: cfg.eps });
  return tf.tidy(() => {
    const g = tf.grad((xx: tf.Tensor) => tf.sum(crossEntropy(model(xx as Images), y)))(x) as Images;
    return tf.clipByValue(tf.add(x, tf.mul(cfg.eps, tf.sign(g))), 0, 1) as Images;
  });
}
