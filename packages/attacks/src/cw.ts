/*
 * C&W-l_2 — Carlini & Wagner, "Towards evaluating the robustness of neural networks", IEEE S&P 2017, §V-A
 * (the l_2 attack), with the torchattacks `CW` defaults (c = 1, κ = 0, 100 steps, lr 0.01) and Carlini's
 * binary search over c.
 *
 * Notation (code → paper): w → w (tanh variables), toImage(w) → x + δ = ½(tanh(w) + 1) (§V, "change of
 * variables", method 3), c → c, kappa → κ, margin → f₆ without the clamp:
 * Z(x')_y − max_{i≠y} Z(x')_i (untargeted) or max_{i≠t} Z(x')_i − Z(x')_t (targeted), loss →
 * ‖x' − x‖₂² + c · max(margin, −κ) (eq. under "Our L2 attack").
 *
 * 1. Per sample: lower = 0, upper = 10¹⁰, c = `c`; best = x, bestL2 = ∞.
 * 2. For each binary-search step: w = atanh(2x − 1) (clipped just inside ±1), Adam state zero; for each of
 *    `steps` steps, x' = toImage(w); where margin(x') < −κ (success) and ‖x' − x‖₂ < bestL2, keep x'; then one
 *    Adam step (β = 0.9, 0.999, ε = 1e-8) on w for the summed loss.
 * 3. Binary search (Carlini's reference): if the sample succeeded in this run, upper = min(upper, c); else
 *    lower = max(lower, c); then c = (lower + upper)/2 if upper < 10⁹, else c · 10.
 * 4. Return best (x where nothing succeeded); with `eps`, also x where ‖best − x‖₂ > eps.
 */
import * as tf from '@tensorflow/tfjs';
import { assertLabels, assertNumber, resolveOptions } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { checkAttackInputs } from './internal/checkAttackInputs';

/** Options of {@link cw}. */
export interface CwOptions {
  /** Initial constant c weighing the margin loss against ‖δ‖₂²; default `1` (torchattacks). */
  readonly c?: number;
  /** Confidence κ ≥ 0: success needs the margin below −κ; default `0`. */
  readonly kappa?: number;
  /** Adam steps per binary-search step; default `100`. */
  readonly steps?: number;
  /** Adam learning rate on w; default `0.01`. */
  readonly lr?: number;
  /** Binary-search steps over c (1 = fixed c, as torchattacks; Carlini used 9 from c = 1e-3); default `1`. */
  readonly binarySearchSteps?: number;
  /** Optional l_2 budget: when given, a found perturbation longer than `eps` is dropped (x returned). Default none. */
  readonly eps?: number;
  /** Target labels `[N]` int32: when given the attack is targeted. Default none. */
  readonly target?: Labels;
}

/** Defaults of {@link cw}: `c = 1`, `kappa = 0`, `steps = 100`, `lr = 0.01`, `binarySearchSteps = 1`, no `eps`, untargeted. */
export const CW_DEFAULTS = Object.freeze({
  c: 1,
  kappa: 0,
  steps: 100,
  lr: 0.01,
  binarySearchSteps: 1,
  eps: undefined,
  target: undefined,
} as const);

type CwConfig = Required<Omit<CwOptions, 'eps' | 'target'>> & { readonly eps: number | undefined; readonly target: Labels | undefined };

const toImage = (w: tf.Tensor): Images => tf.mul(0.5, tf.add(tf.tanh(w), 1)) as Images;

/**
 * Carlini–Wagner l_2 attack (Carlini & Wagner, IEEE S&P 2017): a minimum-norm attack that minimises
 * ‖δ‖₂² + c · max(margin, −κ) with Adam in tanh space, keeping per sample the smallest successful perturbation.
 *
 * 1. Optimise w with x' = ½(tanh(w) + 1) ∈ (0,1), starting at w = atanh(2x − 1), for `steps` Adam steps.
 * 2. Keep per sample the x' of smallest l_2 distance among those that succeed (margin < −κ).
 * 3. Update c per sample by binary search (`binarySearchSteps` rounds) and repeat from x.
 * 4. Return the best x' per sample, or x where none succeeded (or, with `eps`, where the best is longer than eps).
 *
 * @param model - the classifier, `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link CwOptions}; defaults {@link CW_DEFAULTS}: `c = 1`, `kappa = 0`, `steps = 100`,
 *   `lr = 0.01`, `binarySearchSteps = 1`, no `eps`, untargeted. No randomness, so no seed.
 * @returns images `[N,H,W,C]` in [0,1]: the smallest adversarial found per sample, `x` elsewhere.
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`/`target`, `eps < 0`, `c ≤ 0`, `kappa < 0`,
 *   `lr ≤ 0`, non-integer or negative `steps`, `binarySearchSteps` not a whole number ≥ 1, a batch mismatch,
 *   or an unknown option.
 * @example
 * ```ts
 * const xAdv = cw(model, x, y, { c: 1, steps: 100, binarySearchSteps: 5 });
 * ```
 */
export function cw(model: Classifier, x: Images, y: Labels, options?: CwOptions): Images {
  const cfg = resolveOptions<CwConfig>('cw', CW_DEFAULTS, options);
  // Without `eps` the attack is unbounded; 0 only stands in for the shared checks.
  const k = checkAttackInputs('cw', model, x, y, { eps: cfg.eps ?? 0, steps: cfg.steps });
  assertNumber(cfg.c, 'c', 'cw', { greaterThan: 0 });
  assertNumber(cfg.kappa, 'kappa', 'cw', { min: 0 });
  assertNumber(cfg.lr, 'lr', 'cw', { greaterThan: 0 });
  assertNumber(cfg.binarySearchSteps, 'binarySearchSteps', 'cw', { integer: true, min: 1 });
  const { target, kappa } = cfg;
  if (target !== undefined) assertLabels(target, 'target', 'cw', { batch: x.shape[0], numClasses: k });
  const n = x.shape[0];
  const onehot = tf.tidy(() => tf.oneHot(target ?? y, k).toFloat()); // [N,K]
  /** Per-sample margin [N]: z_y − max_{i≠y} z_i, or max_{i≠t} z_i − z_t when targeted. */
  const margin = (z: tf.Tensor2D): tf.Tensor1D => tf.tidy(() => {
    const real = tf.sum(tf.mul(z, onehot), 1);
    const other = tf.max(tf.sub(z, tf.mul(onehot, 1e9)), 1);
    return (target === undefined ? tf.sub(real, other) : tf.sub(other, real)) as tf.Tensor1D;
  });
  const w0 = tf.tidy(() => tf.atanh(tf.clipByValue(tf.sub(tf.mul(x, 2), 1), -1 + 1e-6, 1 - 1e-6)));
  let best = tf.clone(x);
  const bestL2 = new Float64Array(n).fill(Infinity);
  const lower = new Float64Array(n);
  const upper = new Float64Array(n).fill(1e10);
  const consts = new Float64Array(n).fill(cfg.c);
  for (let round = 0; round < cfg.binarySearchSteps; round++) {
    const cT = tf.tensor1d(Float32Array.from(consts));
    const found = new Array<boolean>(n).fill(false);
    let kept: { img?: tf.Tensor; z?: tf.Tensor } = {};
    const grad = tf.grad((w: tf.Tensor) => {
      const img = toImage(w);
      const z = model(img);
      kept = { img: tf.keep(tf.clone(img)), z: tf.keep(tf.clone(z)) };
      const l2 = tf.sum(tf.square(tf.sub(img, x)), [1, 2, 3]); // [N]
      return tf.sum(tf.add(l2, tf.mul(cT, tf.maximum(margin(z), -kappa))));
    });
    let w = tf.clone(w0);
    let m = tf.zerosLike(w0);
    let v = tf.zerosLike(w0);
    for (let t = 1; t <= cfg.steps; t++) {
      const g = grad(w);
      const img = kept.img as Images;
      const [l2, marg] = tf.tidy(() => [tf.sum(tf.square(tf.sub(img, x)), [1, 2, 3]).dataSync(), margin(kept.z as tf.Tensor2D).dataSync()]);
      const better = Array.from({ length: n }, (_, i) => {
        if (!((marg[i] as number) < -kappa)) return false;
        found[i] = true;
        return (l2[i] as number) < (bestL2[i] as number);
      });
      if (better.some(Boolean)) {
        better.forEach((b, i) => { if (b) bestL2[i] = l2[i] as number; });
        const next = tf.tidy(() => tf.where(tf.reshape(tf.tensor1d(better, 'bool'), [-1, 1, 1, 1]), img, best) as Images);
        best.dispose();
        best = next;
      }
      const [mNext, vNext, wNext] = tf.tidy(() => {
        const mt = tf.add(tf.mul(0.9, m), tf.mul(0.1, g));
        const vt = tf.add(tf.mul(0.999, v), tf.mul(0.001, tf.square(g)));
        const step = tf.div(tf.div(mt, 1 - 0.9 ** t), tf.add(tf.sqrt(tf.div(vt, 1 - 0.999 ** t)), 1e-8));
        return [mt, vt, tf.sub(w, tf.mul(cfg.lr, step))];
      });
      tf.dispose([g, kept.img, kept.z, m, v, w]);
      [m, v, w] = [mNext, vNext, wNext];
    }
    tf.dispose([w, m, v, cT]);
    for (let i = 0; i < n; i++) {
      const ci = consts[i] as number;
      if (found[i]) upper[i] = Math.min(upper[i] as number, ci);
      else lower[i] = Math.max(lower[i] as number, ci);
      consts[i] = (upper[i] as number) < 1e9 ? ((lower[i] as number) + (upper[i] as number)) / 2 : ci * 10;
    }
  }
  const { eps } = cfg;
  const out = eps === undefined ? tf.clone(best) : tf.tidy(() => {
    const dist = tf.sqrt(tf.sum(tf.square(tf.sub(best, x)), [1, 2, 3])); // [N]
    return tf.where(tf.reshape(tf.lessEqual(dist, eps), [-1, 1, 1, 1]), best, x) as Images;
  });
  tf.dispose([best, w0, onehot]);
  return out;
}
