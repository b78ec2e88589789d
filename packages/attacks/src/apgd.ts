/*
 * APGD-CE / APGD-DLR — Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of
 * diverse parameter-free attacks", ICML 2020, Algorithm 1, §3.1–3.2, and §3.3 (the DLR loss).
 *
 * Notation (code → paper): internal/apgdCore.ts — eta → η^(k), xk → x^(k), z → z^(k+1), alpha → α,
 * rho → ρ, checkpoints → W = {w_0, …, w_n}, xMax / fMax → x_max / f_max, steps → N_iter.
 *
 * 1. x^(0) random in the ball (internal/apgdStart.ts); η^(0) = 2ε.
 * 2. z^(k+1) = P_S(x^(k) + η ∇f(x^(k))) (sign for l_inf); x^(k+1) = P_S(x^(k) + α(z^(k+1) − x^(k)) + (1−α)(x^(k) − x^(k−1))).
 * 3. At each checkpoint w_j: halve η and restart from x_max if condition 1 or 2 of §3.2 holds (internal/apgdSchedule.ts).
 * 4. Per sample keep a misclassified iterate (the last: 'reference', the first: 'paper'), else x_max; over
 *    restarts keep the first restart that succeeds.
 *
 * `fidelity` (fidelity.ts) picks fra31/auto-attack's `autopgd_base.py` ('reference', default) or the paper's text.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNorm, assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { crossEntropy } from './crossEntropy';
import { dlrLoss } from './dlrLoss';
import { apgdRun } from './internal/apgdCore';
import { checkAttackInputs } from './internal/checkAttackInputs';
import type { Fidelity } from './fidelity';
import { assertFidelity } from './internal/assertFidelity';
import type { LossFn, Norm } from './types';

/** The losses {@link apgd} ascends: `'ce'` (APGD-CE) or `'dlr'` (APGD-DLR). */
export type ApgdLoss = 'ce' | 'dlr';

/** Options of {@link apgd}. */
export interface ApgdOptions {
  /** Budget in `norm`; default `8/255`. */
  readonly eps?: number;
  /** Iterations N_iter per restart; default `100`. */
  readonly steps?: number;
  /** `'linf'` or `'l2'`; default `'linf'`. */
  readonly norm?: Norm;
  /** `'ce'` (APGD-CE) or `'dlr'` (APGD-DLR, needs K ≥ 3); default `'ce'`. */
  readonly loss?: ApgdLoss;
  /** Random restarts; samples already misclassified are kept; default `1`. */
  readonly restarts?: number;
  /** Step-halving threshold ρ on the fraction of loss-increasing steps; default `0.75`. */
  readonly rho?: number;
  /** Momentum α; default `0.75`. */
  readonly alpha?: number;
  /** Seed of the random starts; default `0`. */
  readonly seed?: number;
  /**
   * `'reference'` (fra31/auto-attack's `autopgd_base.py`, reproduces its numbers) or `'paper'` (robustjs's earlier
   * variant from the paper's text); see {@link Fidelity}. Default `'reference'`.
   */
  readonly fidelity?: Fidelity;
}

/**
 * Defaults of {@link apgd} (Croce & Hein 2020): `eps = 8/255`, `steps = 100`, `norm = 'linf'`, `loss = 'ce'`,
 * `restarts = 1`, `rho = 0.75`, `alpha = 0.75`, `seed = 0`, `fidelity = 'reference'`.
 */
export const APGD_DEFAULTS = Object.freeze({
  eps: 8 / 255,
  steps: 100,
  norm: 'linf',
  loss: 'ce',
  restarts: 1,
  rho: 0.75,
  alpha: 0.75,
  seed: 0,
  fidelity: 'reference',
} as const);

const LOSSES: Record<ApgdLoss, LossFn> = { ce: crossEntropy, dlr: dlrLoss };

/**
 * Auto-PGD, untargeted (Croce & Hein, 2020, "Reliable evaluation of adversarial robustness with an
 * ensemble of diverse parameter-free attacks", Algorithm 1): APGD-CE or APGD-DLR.
 *
 * 1. x⁰ = random point of the eps-ball ∩ [0,1]; step η = 2·eps per sample.
 * 2. Each iteration: z = P(xᵏ + η·d(∇L)) (d = sign for l_inf, g/‖g‖₂ for l_2);
 *    xᵏ⁺¹ = P(xᵏ + α(z − xᵏ) + (1 − α)(xᵏ − xᵏ⁻¹)), α = 0.75 (1 at the first step).
 * 3. At each checkpoint, per sample: if the loss rose in too few of the steps since the last one (condition 1),
 *    or η was not halved last time and the best loss did not improve (condition 2), halve η and restart from the
 *    best point.
 * 4. Per sample, return a misclassified iterate (over restarts, from the first restart that found one), else the
 *    highest-loss point.
 *
 * `fidelity: 'reference'` (the default) is fra31/auto-attack's `APGDAttack`, point by point:
 * - start x⁰ = clip(x + eps·t/‖t‖∞, 0, 1), t ~ U(−1,1)ᵈ (l_2: eps·t/‖t‖₂, t ~ N(0,I));
 * - checkpoints after windows of ⌊0.22·N⌋, then each ⌊0.03·N⌋ shorter, at least ⌊0.06·N⌋ (all at least 1):
 *   22, 41, 57, 70, 80, 87, 93, 99 for N = 100, and 11, 21, 30, 38, 45 for N = 50;
 * - condition 1: the loss rose in at most ρ·window steps, where the first step of the run is compared with 0
 *   (the reference reads a not yet written row of its loss buffer);
 * - condition 2 never fires at the first checkpoint;
 * - the last misclassified iterate of the run is returned.
 *
 * `fidelity: 'paper'` is robustjs's earlier variant from the paper's text: uniform start in the ball (l_2: random
 * direction, radius U(0,1)·eps), checkpoints ⌈p_j·N⌉ with p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} −
 * 0.03, 0.06), condition 1 with "fewer than" ρ·window and the first step compared with f(x⁰), condition 2 already at
 * the first checkpoint (against f(x⁰)), the first misclassified iterate returned.
 *
 * Remaining deviations from the reference in `'reference'` mode: the random draws come from tfjs's generators
 * (seeded by `seed`), not PyTorch's, so numbers agree statistically, not bit for bit; each restart runs on every
 * sample (the reference reruns only those not yet misclassified; a later restart's result is kept only where no
 * earlier one succeeded, so the outcome is the same); a sample never
 * misclassified gets its highest-loss point back (the reference's `perturb` returns `x`; robust accuracy is the
 * same); only l_inf and l_2 (the reference also has l_1).
 *
 * @param model - the classifier, `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link ApgdOptions}; defaults {@link APGD_DEFAULTS}.
 * @returns adversarial images `[N,H,W,C]` inside the eps-ball of `norm` around `x` and in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`, `eps < 0`, bad `steps` or `restarts`, `rho`/`alpha` outside
 *   [0,1], an invalid `norm`, `loss` or `fidelity`, `loss = 'dlr'` with K < 3, a batch mismatch, or an unknown option.
 * @example
 * ```ts
 * const xAdv = apgd(model, x, y, { loss: 'dlr', eps: 8 / 255 });
 * const xPaper = apgd(model, x, y, { eps: 8 / 255, fidelity: 'paper' });
 * ```
 */
export function apgd(model: Classifier, x: Images, y: Labels, options?: ApgdOptions): Images {
  const cfg = resolveOptions<Required<ApgdOptions>>('apgd', APGD_DEFAULTS, options);
  const k = checkAttackInputs('apgd', model, x, y, cfg);
  assertNorm(cfg.norm, 'apgd');
  assertFidelity(cfg.fidelity, 'apgd');
  assert(Object.prototype.hasOwnProperty.call(LOSSES, cfg.loss), 'INVALID_ARGUMENT', () =>
    `Option 'loss' passed to 'apgd' must be one of ${Object.keys(LOSSES).map((l) => `'${l}'`).join(', ')}, got ${JSON.stringify(cfg.loss)}.`);
  assert(cfg.loss !== 'dlr' || k >= 3, 'INVALID_ARGUMENT', () =>
    `Option 'loss' = 'dlr' passed to 'apgd' needs at least 3 classes, got a model with ${k}. Use loss 'ce'.`);
  assertNumber(cfg.restarts, 'restarts', 'apgd', { integer: true, min: 1 });
  assertNumber(cfg.rho, 'rho', 'apgd', { min: 0, max: 1 });
  assertNumber(cfg.alpha, 'alpha', 'apgd', { min: 0, max: 1 });
  const lossFn = LOSSES[cfg.loss];
  const seeds = seedStream(cfg.seed);
  const loss = (z: tf.Tensor2D): tf.Tensor1D => lossFn(z, y);
  const success = (z: tf.Tensor2D): tf.Tensor1D => tf.tidy(() => tf.cast(tf.notEqual(tf.argMax(z, 1), y), 'float32') as tf.Tensor1D);
  let best = tf.clone(x);
  let found = new Array<boolean>(x.shape[0]).fill(false);
  for (let r = 0; r < cfg.restarts; r++) {
    const run = apgdRun(model, x, loss, success, { ...cfg, seed: seeds.next() });
    const take = run.found.map((f, i) => (f && !found[i]) || (r === 0 && !found[i]));
    const next = tf.tidy(() => tf.where(tf.reshape(tf.tensor1d(take, 'bool'), [-1, 1, 1, 1]), run.xAdv, best) as Images);
    tf.dispose([best, run.xAdv]);
    best = next;
    found = found.map((f, i) => f || (run.found[i] as boolean));
  }
  return best;
}
