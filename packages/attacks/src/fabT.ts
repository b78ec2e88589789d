/*
 * FAB-T — Croce & Hein, "Minimally distorted adversarial examples with a fast adaptive boundary attack",
 * ICML 2020, Algorithm 1 (§3), targeted as in AutoAttack (Croce & Hein 2020, §4: the top-9 target classes).
 *
 * Notation (code → paper): x1 → x^(i), x → x_orig, d1 / d2 → the projections δ^(i) / δ_orig of x^(i) and
 * x_orig onto the linearised boundary π_t (eq. 5), alpha → α (eq. 7, capped at α_max), eta → η (extrapolation),
 * beta → β (backward step), best → the smallest adversarial found, bestNorm → its distance.
 *
 * For each target rank t = 2 … numTargets + 1 (the t-th largest clean logit) and each restart (steps 1–4 run in
 * internal/fabSearch.ts, the projection in internal/fabProjection.ts):
 * 1. x^(0) = x; later restarts: x plus a random direction of length min(best distance, eps)/2 (clipped to
 *    [0,1]), or x again while nothing was found and no eps is given.
 * 2. Linearise z_t − z_y at x^(i): the hyperplane w·z = b with w = ∇(z_t − z_y), b = w·x^(i) − (z_t − z_y).
 * 3. δ^(i), δ_orig = the minimal steps (in `norm`, inside [0,1]) projecting x^(i) and x_orig onto it;
 *    α = min(‖δ^(i)‖ / (‖δ^(i)‖ + ‖δ_orig‖), α_max);
 *    x^(i+1) = clip((1 − α)(x^(i) + η δ^(i)) + α (x_orig + η δ_orig), 0, 1).
 * 4. If x^(i+1) is misclassified: keep it when it is the closest so far, then step back
 *    x^(i+1) = x_orig + β (x^(i+1) − x_orig).
 */
import * as tf from '@tensorflow/tfjs';
import { assertNorm, assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { checkAttackInputs } from './internal/checkAttackInputs';
import { fabSearch, type FabState } from './internal/fabSearch';
import type { Norm } from './types';

/** Options of {@link fabT}. */
export interface FabTOptions {
  /** Optional budget in `norm`: when given only adversarials within `eps` count (x returned elsewhere). Default none. */
  readonly eps?: number;
  /** `'linf'` or `'l2'`; default `'linf'`. */
  readonly norm?: Norm;
  /** Iterations per target and restart; default `100`. */
  readonly steps?: number;
  /** Restarts per target (the first from x, the others from a random point at min(best distance, eps)/2); default `1`. */
  readonly restarts?: number;
  /** Number of target classes (the largest non-true clean logits); default `9`, capped at K − 1. */
  readonly numTargets?: number;
  /** Cap α_max of the bias towards x_orig; default `0.1`. */
  readonly alphaMax?: number;
  /** Extrapolation η ≥ 1 of the projection steps; default `1.05`. */
  readonly eta?: number;
  /** Backward step β in (0,1] after a success; default `0.9`. */
  readonly beta?: number;
  /** Seed of the random restarts; default `0`. */
  readonly seed?: number;
}

/** Defaults of {@link fabT} (AutoAttack's FAB-T): no `eps`, `norm = 'linf'`, `steps = 100`, `restarts = 1`, `numTargets = 9`, `alphaMax = 0.1`, `eta = 1.05`, `beta = 0.9`, `seed = 0`. */
export const FAB_T_DEFAULTS = Object.freeze({
  eps: undefined,
  norm: 'linf',
  steps: 100,
  restarts: 1,
  numTargets: 9,
  alphaMax: 0.1,
  eta: 1.05,
  beta: 0.9,
  seed: 0,
} as const);

type FabTConfig = Required<Omit<FabTOptions, 'eps'>> & { readonly eps: number | undefined };

/**
 * Targeted Fast Adaptive Boundary attack (FAB-T; Croce & Hein, ICML 2020): a minimum-norm attack that
 * repeatedly projects onto the linearised boundary between the true class and a target class, biased
 * towards the original image, and keeps per sample the closest adversarial found.
 *
 * 1. Targets: the `numTargets` largest clean logits other than y (ranks 2 … numTargets + 1).
 * 2. Per target and restart: `steps` FAB iterations (linearise, project x^(i) and x_orig in `norm` inside
 *    [0,1], mix with α ≤ α_max, extrapolate by η; after a success keep the closest point and step back by β).
 * 3. Return per sample the closest adversarial over targets and restarts, or x where none was found (or, with
 *    `eps`, where the closest is farther than eps; samples already broken within eps skip later targets).
 *
 * @param model - the classifier, `[N,H,W,C]` in [0,1] → logits `[N,K]`, K ≥ 2.
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link FabTOptions}; defaults {@link FAB_T_DEFAULTS}.
 * @returns images `[N,H,W,C]` in [0,1]: the closest adversarial found per sample, `x` elsewhere (and, with
 *   `eps`, only those within eps of `x` in `norm`). Misclassified inputs are returned unchanged.
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`, `eps < 0`, an invalid `norm`, non-integer
 *   or negative `steps`, `restarts`/`numTargets` not whole numbers ≥ 1, `alphaMax` outside [0,1], `eta < 1`,
 *   `beta` outside (0,1], a non-integer `seed`, a batch mismatch, or an unknown option.
 * @example
 * ```ts
 * const xAdv = fabT(model, x, y, { norm: 'linf', eps: 8 / 255, steps: 100 });
 * ```
 */
export function fabT(model: Classifier, x: Images, y: Labels, options?: FabTOptions): Images {
  const cfg = resolveOptions<FabTConfig>('fabT', FAB_T_DEFAULTS, options);
  // Without `eps` the attack is unbounded; 0 only stands in for the shared checks.
  const k = checkAttackInputs('fabT', model, x, y, { eps: cfg.eps ?? 0, steps: cfg.steps, seed: cfg.seed });
  assertNorm(cfg.norm, 'fabT');
  assertNumber(cfg.restarts, 'restarts', 'fabT', { integer: true, min: 1 });
  assertNumber(cfg.numTargets, 'numTargets', 'fabT', { integer: true, min: 1 });
  assertNumber(cfg.alphaMax, 'alphaMax', 'fabT', { min: 0, max: 1 });
  assertNumber(cfg.eta, 'eta', 'fabT', { min: 1 });
  assertNumber(cfg.beta, 'beta', 'fabT', { greaterThan: 0, max: 1 });
  const [n, h, w, c] = x.shape;
  const size = h * w * c;
  const { eps } = cfg;
  const seeds = seedStream(cfg.seed);
  const uniform = (): number => seeds.next() / 2 ** 31;
  const clean = Float64Array.from(x.dataSync());
  const labels = y.dataSync() as Int32Array;
  const z0 = tf.tidy(() => model(x).dataSync());
  // Targets: clean logits sorted in decreasing order, ranks 2 … numTargets + 1.
  const order = Array.from({ length: n }, (_, s) => Array.from({ length: k }, (_, j) => j).sort((a, b) => (z0[s * k + b] as number) - (z0[s * k + a] as number)));
  const correct = order.map((o, s) => o[0] === labels[s]);
  const best = Float64Array.from(clean);
  const bestNorm = Float64Array.from(correct, (ok) => (ok ? Infinity : 0));
  const state: FabState = { model, shape: [n, h, w, c], k, clean, labels, best, bestNorm, uniform };
  for (let rank = 1; rank <= Math.min(cfg.numTargets, k - 1); rank++) {
    for (let restart = 0; restart < cfg.restarts; restart++) {
      const open = Array.from({ length: n }, (_, s) => s).filter((s) => correct[s] && !(eps !== undefined && (bestNorm[s] as number) <= eps));
      if (open.length === 0) continue;
      fabSearch(state, cfg, open, open.map((s) => (order[s] as number[])[rank] as number), restart > 0);
    }
  }
  const out = Float32Array.from(best);
  if (eps !== undefined) {
    for (let s = 0; s < n; s++) if ((bestNorm[s] as number) > eps) out.set(clean.subarray(s * size, (s + 1) * size), s * size);
  }
  return tf.tensor4d(out, [n, h, w, c]);
}
