/*
 * MMA — minimum-margin attack (Gao et al. 2022), as implemented in DAD (Zhang et al., ICML 2025,
 * [arXiv:2503.02169](https://arxiv.org/abs/2503.02169), code [tmlr-group/DAD](https://github.com/tmlr-group/DAD) `utils.py::mma`).
 *
 * Notation (code → paper): z0 → z⁰ (clean logits), targets → T, confidence → 50 (κ), stepSize → step,
 * marginOf → z_c(x') − z_y(x').
 *
 * 1. T = the k largest non-true clean logits; x_init = clip(x + U(−ε, ε), 0, 1), shared by all k runs.
 * 2. For each c in T: `steps` sign steps ascending L = −Σ max(z_y − z_c + κ, 0), projected to B_ε ∩ [0,1].
 * 3. Keep, per sample, the candidate with the largest z_c − z_y.
 */
import * as tf from '@tensorflow/tfjs';
import { assertNumber, projectToBall, randomStartInBall, resolveOptions } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { checkAttackInputs } from './internal/checkAttackInputs';

/** Options of {@link mma}. */
export interface MmaOptions {
  /** l_inf budget; default `8/255`. */
  readonly eps?: number;
  /** Sign-step size; default `2/255`. */
  readonly stepSize?: number;
  /** Steps per target class; default `10`. */
  readonly steps?: number;
  /** Number k of target classes (the k largest non-true clean logits); default `3`, at most K − 1. */
  readonly k?: number;
  /** Hinge confidence κ of the margin loss; default `50`. */
  readonly confidence?: number;
  /** Start all k runs from one shared uniform random point of the eps-ball; default `true`. */
  readonly randomStart?: boolean;
  /** Seed of the random start; default `0`. */
  readonly seed?: number;
}

/** Defaults of {@link mma} (DAD's CIFAR-10 setting): `eps = 8/255`, `stepSize = 2/255`, `steps = 10`, `k = 3`, `confidence = 50`, `randomStart = true`, `seed = 0`. */
export const MMA_DEFAULTS = Object.freeze({
  eps: 8 / 255,
  stepSize: 2 / 255,
  steps: 10,
  k: 3,
  confidence: 50,
  randomStart: true,
  seed: 0,
} as const);

/**
 * Minimum-margin attack (Gao et al., "Fast and Reliable Evaluation of Adversarial Robustness with Minimum-Margin
 * Attack", ICML 2022), l_inf, as DAD uses it (Zhang et al., ICML 2025, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169), `utils.py::mma`).
 *
 * 1. z⁰ = f(x); T = the k classes with the largest clean logits other than y, per sample.
 * 2. x_init = clip(x + U(−eps, eps), 0, 1), shared by all k runs (x itself when `randomStart` is false).
 * 3. For each target rank c = 1 … k: x' = x_init; repeat `steps` times:
 *    L = −Σ max(z_y(x') − z_{T_c}(x') + κ, 0); x' = Π_{B∞(x,eps) ∩ [0,1]}(x' + stepSize · sign(∇L)).
 *    margin_c = z_{T_c}(x') − z_y(x').
 * 4. Output, per sample, the candidate x' with the largest margin_c.
 *
 * @param model - the classifier, `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link MmaOptions}; defaults {@link MMA_DEFAULTS}.
 * @returns adversarial images `[N,H,W,C]` within `eps` (l_inf) of `x`, in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`, `eps < 0`, `stepSize ≤ 0`, bad `steps`, `k` not in
 *   [1, K−1], `confidence < 0`, a batch mismatch, or an unknown option.
 * @example
 * ```ts
 * const xAdv = mma(model, x, y, { k: 3, confidence: 50 });
 * ```
 */
export function mma(model: Classifier, x: Images, y: Labels, options?: MmaOptions): Images {
  const cfg = resolveOptions<Required<MmaOptions>>('mma', MMA_DEFAULTS, options);
  const numClasses = checkAttackInputs('mma', model, x, y, cfg);
  assertNumber(cfg.k, 'k', 'mma', { integer: true, min: 1, max: numClasses - 1 });
  assertNumber(cfg.confidence, 'confidence', 'mma', { min: 0 });
  return tf.tidy(() => {
    const yMask = tf.oneHot(y, numClasses); // [N,K]
    const z0 = model(x);
    const targets = tf.topk(tf.sub(z0, tf.mul(yMask, 1e9)), cfg.k).indices; // [N,k]
    const xInit = cfg.randomStart ? randomStartInBall(x, cfg.eps, 'linf', cfg.seed) : tf.clone(x);
    let best = tf.clone(x);
    let bestMargin = tf.fill([x.shape[0]], -Infinity) as tf.Tensor1D;
    for (let c = 0; c < cfg.k; c++) {
      const tMask = tf.oneHot(tf.squeeze(tf.slice(targets, [0, c], [-1, 1]), [1]) as tf.Tensor1D, numClasses); // [N,K]
      const marginOf = (logits: tf.Tensor): tf.Tensor1D => tf.sum(tf.mul(logits, tf.sub(tMask, yMask)), 1) as tf.Tensor1D; // z_t − z_y, [N]
      const lossGrad = tf.grad((xx: tf.Tensor) => tf.neg(tf.sum(tf.relu(tf.add(tf.neg(marginOf(model(xx as Images))), cfg.confidence)))));
      let xc = tf.clone(xInit);
      for (let t = 0; t < cfg.steps; t++) {
        const next = tf.tidy(() => projectToBall(tf.add(xc, tf.mul(cfg.stepSize, tf.sign(lossGrad(xc)))), x, cfg.eps, 'linf'));
        xc.dispose();
        xc = next;
      }
      const [nextBest, nextMargin] = tf.tidy(() => {
        const m = marginOf(model(xc));
        const better = tf.greater(m, bestMargin); // [N]
        return [tf.where(tf.reshape(better, [-1, 1, 1, 1]), xc, best) as Images, tf.maximum(m, bestMargin) as tf.Tensor1D] as const;
      });
      best.dispose();
      bestMargin.dispose();
      xc.dispose();
      best = nextBest;
      bestMargin = nextMargin;
    }
    return best;
  });
}
