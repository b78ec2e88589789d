/*
 * Square Attack — Andriushchenko, Croce, Flammarion & Hein, "Square Attack: a query-efficient black-box
 * adversarial attack via random search", ECCV 2020, Algorithm 1 with the l_inf sampling (§3.1, here) and the
 * l_2 sampling (§3.2, Algorithm 3): the searches are in internal/squareLinf.ts and internal/squareL2.ts.
 *
 * Notation (code → paper): queries → N (iterations), pInit → p (initial fraction of pixels in the square),
 * side → h^(i), margin → L(f(x), y) = f_y(x) − max_{k≠y} f_k(x), xAdv → x̂.
 *
 * l_inf:
 * 1. x̂ = clip(x + vertical stripes of ±ε, 0, 1) (one random sign per column and channel).
 * 2. For i = 1 … N, on the samples still correctly classified: side h^(i) = max(round(√(p_i · H · W)), 1) with
 *    p_i = p halved at fixed iterations (rescaled to N or not); pick a random h×h window and one random ±ε per
 *    channel; the candidate is x̂ with that window set to clip(x ± ε, 0, 1).
 * 3. Accept a candidate where its margin is lower; a sample stops once its margin is ≤ 0.
 *
 * `fidelity` (fidelity.ts) picks fra31/auto-attack's `SquareAttack` ('reference', default) or robustjs's earlier,
 * stronger variant ('paper'); `rescaleSchedule` is the reference's `resc_schedule`.
 */
import * as tf from '@tensorflow/tfjs';
import { assertNorm, assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { checkAttackInputs } from './internal/checkAttackInputs';
import { squareL2 } from './internal/squareL2';
import { squareLinf } from './internal/squareLinf';
import type { SquareSearch } from './internal/squareSearch';
import type { Fidelity } from './fidelity';
import { assertFidelity } from './internal/assertFidelity';
import type { Norm } from './types';

/** Options of {@link square}. */
export interface SquareOptions {
  /** Budget in `norm`; default `8/255`. */
  readonly eps?: number;
  /** `'linf'` (±eps squares) or `'l2'` (η windows moving l_2 mass); default `'linf'`. */
  readonly norm?: Norm;
  /** Iterations (one model query per still-robust sample each); default `5000` (AutoAttack). */
  readonly queries?: number;
  /** Initial fraction p of pixels in the square, in (0,1]; default `0.8` (AutoAttack, both norms). */
  readonly pInit?: number;
  /** Seed of the random search; default `0`. */
  readonly seed?: number;
  /**
   * `'reference'` (fra31/auto-attack's `SquareAttack`: corners 0 … H − s − 1, one window per iteration for the batch,
   * Python rounding; reproduces its numbers) or `'paper'` (robustjs's earlier variant: corners 0 … H − s, one window
   * per sample; deliberately stronger); see {@link Fidelity}. Default `'reference'`.
   */
  readonly fidelity?: Fidelity;
  /**
   * Rescale the p schedule to `queries` (the reference's `resc_schedule`): p halves at each of 10, 50, 200, 500,
   * 1000, 2000, 4000, 6000, 8000 that ⌊it/queries·10 000⌋ exceeds, instead of each that the raw iteration `it` exceeds.
   * Default `true`, as the reference's standalone `SquareAttack`; its AutoAttack uses `false`, and so does
   * {@link autoAttack} with `fidelity: 'reference'`.
   */
  readonly rescaleSchedule?: boolean;
}

/**
 * Defaults of {@link square}: `eps = 8/255`, `norm = 'linf'`, `queries = 5000`, `pInit = 0.8`, `seed = 0`,
 * `fidelity = 'reference'`, `rescaleSchedule = true`.
 */
export const SQUARE_DEFAULTS = Object.freeze({
  eps: 8 / 255,
  norm: 'linf',
  queries: 5000,
  pInit: 0.8,
  seed: 0,
  fidelity: 'reference',
  rescaleSchedule: true,
} as const);

/** The random search of each norm. */
const SEARCH: Record<Norm, (search: SquareSearch) => Float32Array> = { linf: squareLinf, l2: squareL2 };

/**
 * Square Attack, l_inf or l_2, untargeted (Andriushchenko et al., ECCV 2020): a score-based random search
 * that needs only the model's logits, never its gradients, so it is blind to gradient masking.
 *
 * l_inf: 1. Start from vertical stripes of ±eps. 2. Each iteration, on the samples still correct, propose
 *    setting one random square window to a random ±eps per channel (the window side shrinks on the
 *    reference schedule, see `rescaleSchedule`). 3. Keep the proposal where it lowers the margin z_y − max_{k≠y} z_k.
 *
 * l_2 (the reference l_2 version): 1. Start from a grid of ⌊H/5⌋-sized windows, each holding the pattern η
 *    (a +/− pair of rectangles of concentric squares weighted 1/(k+1)²) times a random sign per channel,
 *    scaled to l_2 norm eps. 2. Each iteration, on the samples still correct, pick two random windows of side
 *    max(round(√(p_i·H·W)), 3) (odd): clear the second and refill the first with a fresh ±η plus its old
 *    direction, rescaled so the l_2 mass of both windows (plus any unused budget) moves into it; rescale the
 *    whole perturbation to norm eps and clip to [0,1]. 3. Keep the proposal where it lowers the margin.
 *
 * `fidelity: 'reference'` (the default) follows fra31/auto-attack's `square.py`: the window's corner is drawn from
 * 0 … H − s − 1 (its `random_int(0, H − s)` excludes the top, so once s < H no window reaches the last row or
 * column), one corner and (l_inf) one sign per channel are drawn per iteration for the whole batch, and the side
 * is rounded half to even. `fidelity: 'paper'` is robustjs's earlier variant: corners 0 … H − s (every position),
 * draws per sample, half-up rounding; it is deliberately stronger (issue 25 measured 2.6 points lower robust
 * accuracy at 1,000 queries on 500 images). Remaining deviations in `'reference'` mode: the random draws come
 * from `seed` through robustjs's generator, not PyTorch's, so numbers agree statistically, not bit for bit;
 * margins are compared in float64 (the reference: float32); the l_2 start grid uses ⌊min(H,W)/5⌋ windows on
 * non-square images (the reference: ⌊H/5⌋); no l_1 and no targeted or cross-entropy variants.
 *
 * @param model - the classifier, `[N,H,W,C]` in [0,1] → logits `[N,K]` (only its outputs are used).
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link SquareOptions}; defaults {@link SQUARE_DEFAULTS}.
 * @returns adversarial images `[N,H,W,C]` within `eps` (in `norm`) of `x`, in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`, `eps < 0`, an invalid `norm`, `queries` not a
 *   whole number ≥ 0, `pInit` outside (0,1], a non-integer `seed`, an invalid `fidelity`, a non-boolean
 *   `rescaleSchedule`, a batch mismatch, or an unknown option.
 * @example
 * ```ts
 * const xAdv = square(model, x, y, { eps: 8 / 255, queries: 1000 });
 * const xAdv2 = square(model, x, y, { norm: 'l2', eps: 0.5, queries: 1000 });
 * const xStrong = square(model, x, y, { eps: 8 / 255, queries: 1000, fidelity: 'paper' });
 * ```
 */
export function square(model: Classifier, x: Images, y: Labels, options?: SquareOptions): Images {
  const cfg = resolveOptions<Required<SquareOptions>>('square', SQUARE_DEFAULTS, options);
  const k = checkAttackInputs('square', model, x, y, { eps: cfg.eps, seed: cfg.seed });
  assertNorm(cfg.norm, 'square');
  assertFidelity(cfg.fidelity, 'square');
  assertNumber(cfg.queries, 'queries', 'square', { integer: true, min: 0 });
  assertNumber(cfg.pInit, 'pInit', 'square', { greaterThan: 0, max: 1 });
  const [n, h, w, c] = x.shape;
  const seeds = seedStream(cfg.seed);
  const labels = y.dataSync() as Int32Array;
  const margins = (data: Float32Array, samples: number[]): Float64Array => {
    const z = tf.tidy(() => model(tf.tensor4d(data, [samples.length, h, w, c])).dataSync());
    return Float64Array.from(samples, (s, r) => {
      const row = z.subarray(r * k, (r + 1) * k);
      const zy = row[labels[s] as number] as number;
      let other = -Infinity;
      row.forEach((v, j) => { if (j !== labels[s] && v > other) other = v; });
      return zy - other;
    });
  };
  const adv = SEARCH[cfg.norm]({
    clean: x.dataSync() as Float32Array,
    shape: [n, h, w, c],
    eps: cfg.eps,
    queries: cfg.queries,
    pInit: cfg.pInit,
    rescale: cfg.rescaleSchedule,
    fidelity: cfg.fidelity,
    uniform: () => seeds.next() / 2 ** 31,
    margins,
  });
  return tf.tensor4d(adv, [n, h, w, c]);
}
