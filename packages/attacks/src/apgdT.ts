/*
 * APGD-T — Croce & Hein, ICML 2020, §3.3 (targeted DLR loss) and §4 (AutoAttack: top-9 target classes).
 *
 * Notation (code → paper): targets → t ranging over the 9 highest non-true clean logits, dlrTargetedLoss →
 * DLR-targeted(x, y, t) = −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2).
 *
 * 1. Rank targets by clean logits. 2. For each target in order, run APGD (internal/apgdCore.ts) on the samples
 * not yet misclassified. 3. Per sample keep the misclassified point of the run that found it, else the last run's
 * x_max.
 *
 * `fidelity` (fidelity.ts) picks fra31/auto-attack's `APGDAttack_targeted` ('reference', default) or the paper's text.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNorm, assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { dlrTargetedLoss } from './dlrTargetedLoss';
import { apgdRun } from './internal/apgdCore';
import { checkAttackInputs } from './internal/checkAttackInputs';
import type { Fidelity } from './fidelity';
import { assertFidelity } from './internal/assertFidelity';
import type { Norm } from './types';

/** Options of {@link apgdT}. */
export interface ApgdTOptions {
  /** Budget in `norm`; default `8/255`. */
  readonly eps?: number;
  /** Iterations N_iter per target class; default `100`. */
  readonly steps?: number;
  /** `'linf'` or `'l2'`; default `'linf'`. */
  readonly norm?: Norm;
  /** Number of target classes (the largest non-true clean logits); default `9`, capped at K − 1. */
  readonly numTargets?: number;
  /** Step-halving threshold ρ; default `0.75`. */
  readonly rho?: number;
  /** Momentum α; default `0.75`. */
  readonly alpha?: number;
  /** Seed of the random starts; default `0`. */
  readonly seed?: number;
  /**
   * `'reference'` (fra31/auto-attack's `APGDAttack_targeted`, reproduces its numbers) or `'paper'` (robustjs's
   * earlier variant); the same rule as {@link apgd}'s, see {@link Fidelity}. Default `'reference'`.
   */
  readonly fidelity?: Fidelity;
}

/**
 * Defaults of {@link apgdT} (Croce & Hein 2020): `eps = 8/255`, `steps = 100`, `norm = 'linf'`, `numTargets = 9`,
 * `rho = 0.75`, `alpha = 0.75`, `seed = 0`, `fidelity = 'reference'`.
 */
export const APGD_T_DEFAULTS = Object.freeze({
  eps: 8 / 255,
  steps: 100,
  norm: 'linf',
  numTargets: 9,
  rho: 0.75,
  alpha: 0.75,
  seed: 0,
  fidelity: 'reference',
} as const);

/**
 * Targeted Auto-PGD with the targeted DLR loss (APGD-T; Croce & Hein, 2020, §3.3 and §4): APGD run once
 * per target class among the top `numTargets` non-true clean logits.
 *
 * 1. z⁰ = f(x); targets t₁ … t_m = the m = min(numTargets, K − 1) largest logits other than y, per sample.
 * 2. For each rank c = 1 … m: APGD (same schedule as {@link apgd}: checkpoints, momentum 0.75, halving
 *    with ρ = 0.75, restart from the best point) ascending the targeted DLR loss
 *    −(z_y − z_{t_c}) / (z_π1 − (z_π3 + z_π4)/2), only on samples not yet misclassified.
 * 3. Per sample, return the misclassified point of the first target that succeeded (within that run the last
 *    misclassified iterate for `'reference'`, the first for `'paper'`), else the highest-loss point of the last run.
 *
 * `fidelity` switches each run's start, checkpoints, step-halving conditions and kept iterate exactly as in
 * {@link apgd} (`'reference'` = fra31/auto-attack, the default; `'paper'` = robustjs's earlier variant). Remaining
 * deviations from the reference in `'reference'` mode: those of {@link apgd} (random streams, the point returned
 * for samples never misclassified); the targets are the m largest clean logits other than y's (the reference takes
 * ranks 2 … m + 1, the same classes whenever y is the top class, as for every sample {@link autoAttack} passes on);
 * one seed per target class instead of one random stream for all.
 *
 * @param model - the classifier, `[N,H,W,C]` in [0,1] → logits `[N,K]`, K ≥ 4.
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link ApgdTOptions}; defaults {@link APGD_T_DEFAULTS}.
 * @returns adversarial images `[N,H,W,C]` inside the eps-ball of `norm` around `x` and in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`, `eps < 0`, bad `steps` or `numTargets`, `rho`/`alpha`
 *   outside [0,1], an invalid `norm` or `fidelity`, K < 4, a batch mismatch, or an unknown option.
 * @example
 * ```ts
 * const xAdv = apgdT(model, x, y, { numTargets: 9, steps: 100 });
 * ```
 */
export function apgdT(model: Classifier, x: Images, y: Labels, options?: ApgdTOptions): Images {
  const cfg = resolveOptions<Required<ApgdTOptions>>('apgdT', APGD_T_DEFAULTS, options);
  const k = checkAttackInputs('apgdT', model, x, y, cfg);
  assertNorm(cfg.norm, 'apgdT');
  assertFidelity(cfg.fidelity, 'apgdT');
  assert(k >= 4, 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to 'apgdT' must have at least 4 classes for the targeted DLR loss, got ${k}. Use apgd instead.`);
  assertNumber(cfg.numTargets, 'numTargets', 'apgdT', { integer: true, min: 1 });
  assertNumber(cfg.rho, 'rho', 'apgdT', { min: 0, max: 1 });
  assertNumber(cfg.alpha, 'alpha', 'apgdT', { min: 0, max: 1 });
  const m = Math.min(cfg.numTargets, k - 1);
  const n = x.shape[0];
  const seeds = seedStream(cfg.seed);
  const targets = tf.tidy(() => tf.topk(tf.sub(model(x), tf.mul(tf.oneHot(y, k), 1e9)), m).indices); // [N,m]
  const targetRows = targets.arraySync() as number[][];
  const yRows = y.arraySync() as number[];
  targets.dispose();
  let best = tf.clone(x);
  const found = new Array<boolean>(n).fill(false);
  for (let c = 0; c < m; c++) {
    const open = found.map((f, i) => (f ? -1 : i)).filter((i) => i >= 0);
    if (open.length === 0) break;
    const idx = tf.tensor1d(open, 'int32');
    const xs = tf.gather(x, idx) as Images;
    const ys = tf.tensor1d(open.map((i) => yRows[i] as number), 'int32');
    const ts = tf.tensor1d(open.map((i) => (targetRows[i] as number[])[c] as number), 'int32');
    const run = apgdRun(
      model,
      xs,
      (z) => dlrTargetedLoss(z, ys, ts),
      (z) => tf.tidy(() => tf.cast(tf.notEqual(tf.argMax(z, 1), ys), 'float32') as tf.Tensor1D),
      { ...cfg, seed: seeds.next() },
    );
    // Write back every open sample's result; later ranks only revisit the ones still not misclassified.
    const next = tf.tidy(() => {
      const scatter = tf.scatterND(tf.reshape(idx, [-1, 1]), run.xAdv, best.shape) as Images;
      const mask = tf.scatterND(tf.reshape(idx, [-1, 1]), tf.ones([open.length]), [n]);
      return tf.where(tf.greater(tf.reshape(mask, [-1, 1, 1, 1]), 0), scatter, best) as Images;
    });
    tf.dispose([best, idx, xs, ys, ts, run.xAdv]);
    best = next;
    run.found.forEach((f, j) => { if (f) found[open[j] as number] = true; });
  }
  return best;
}
