/*
 * FAB-T — Croce & Hein, "Minimally distorted adversarial examples with a fast adaptive boundary attack",
 * ICML 2020, Algorithm 1 (§3), targeted as in AutoAttack (Croce & Hein 2020, §4: the top-9 target classes).
 *
 * Notation (code → paper): x1 → x^(i), x → x_orig, d1 / d2 → the projections δ^(i) / δ_orig of x^(i) and
 * x_orig onto the linearised boundary π_t (eq. 5), alpha → α (eq. 7, capped at α_max), eta → η (extrapolation),
 * beta → β (backward step), best → the smallest adversarial found, bestNorm → its distance.
 *
 * For each target rank t = 2 … numTargets + 1 (the t-th largest clean logit) and each restart:
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
import { assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { assertNorm } from './internal/ball';
import { checkAttackInputs } from './internal/checkAttackInputs';
import { projectOnHyperplane } from './internal/fabProjection';
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

const NORM_OF: Record<Norm, (v: Float64Array) => number> = {
  linf: (v) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0),
  l2: (v) => Math.sqrt(v.reduce((m, x) => m + x * x, 0)),
};

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
  const { eps, norm } = cfg;
  const normOf = NORM_OF[norm];
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
  const predict = (data: Float64Array, samples: number[]): number[] => tf.tidy(() => {
    const pred = tf.argMax(model(tf.tensor4d(Float32Array.from(data), [samples.length, h, w, c])), 1).dataSync();
    return Array.from(pred);
  });
  for (let rank = 1; rank <= Math.min(cfg.numTargets, k - 1); rank++) {
    for (let restart = 0; restart < cfg.restarts; restart++) {
      const open = Array.from({ length: n }, (_, s) => s).filter((s) => correct[s] && !(eps !== undefined && (bestNorm[s] as number) <= eps));
      if (open.length === 0) continue;
      const m = open.length;
      // pick = onehot(t) − onehot(y) [m,K], so z·pick = z_t − z_y per sample.
      const pick = tf.tidy(() => tf.sub(
        tf.oneHot(tf.tensor1d(open.map((s) => (order[s] as number[])[rank] as number), 'int32'), k),
        tf.oneHot(tf.tensor1d(open.map((s) => labels[s] as number), 'int32'), k)).toFloat());
      let diff: tf.Tensor | undefined;
      const diffGrad = tf.grad((v: tf.Tensor) => {
        const f = tf.sum(tf.mul(model(v as Images), pick), 1); // [m]
        diff = tf.keep(tf.clone(f));
        return tf.sum(f);
      });
      const x0 = new Float64Array(m * size);
      open.forEach((s, r) => x0.set(clean.subarray(s * size, (s + 1) * size), r * size));
      const x1 = Float64Array.from(x0);
      if (restart > 0) {
        open.forEach((s, r) => {
          const radius = 0.5 * Math.min(bestNorm[s] as number, eps ?? Infinity);
          if (!Number.isFinite(radius)) return;
          const t = Float64Array.from({ length: size }, () => (norm === 'linf' ? 2 * uniform() - 1 : Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())));
          const tn = normOf(t) + 1e-12;
          for (let p = 0; p < size; p++) x1[r * size + p] = Math.min(1, Math.max(0, (x0[r * size + p] as number) + (radius * (t[p] as number)) / tn));
        });
      }
      for (let it = 0; it < cfg.steps; it++) {
        // 2. Per-sample values f = z_t − z_y and gradients ∇f at x1 (the sum's gradient splits per sample).
        const input = tf.tensor4d(Float32Array.from(x1), [m, h, w, c]);
        const grad = diffGrad(input);
        const f = (diff as tf.Tensor).dataSync();
        const g = grad.dataSync();
        tf.dispose([input, grad, diff as tf.Tensor]);
        for (let r = 0; r < m; r++) {
          const wv = Float64Array.from(g.subarray(r * size, (r + 1) * size));
          const p1 = x1.subarray(r * size, (r + 1) * size);
          const p0 = x0.subarray(r * size, (r + 1) * size);
          let b = -(f[r] as number);
          for (let p = 0; p < size; p++) b += (wv[p] as number) * (p1[p] as number);
          // 3. Project x1 and x_orig, mix and extrapolate.
          const d1 = projectOnHyperplane(Float64Array.from(p1), wv, b, norm);
          const d2 = projectOnHyperplane(Float64Array.from(p0), wv, b, norm);
          const a1 = Math.max(normOf(d1), 1e-8);
          const a2 = Math.max(normOf(d2), 1e-8);
          const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), cfg.alphaMax);
          for (let p = 0; p < size; p++) {
            const v = ((p1[p] as number) + cfg.eta * (d1[p] as number)) * (1 - alpha) + ((p0[p] as number) + cfg.eta * (d2[p] as number)) * alpha;
            p1[p] = Math.min(1, Math.max(0, v));
          }
        }
        // 4. Keep the closest misclassified point, then step back towards x_orig.
        const pred = predict(x1, open);
        open.forEach((s, r) => {
          if (pred[r] === labels[s]) return;
          const p1 = x1.subarray(r * size, (r + 1) * size);
          const delta = Float64Array.from(p1, (v, p) => v - (x0[r * size + p] as number));
          const dist = normOf(delta);
          if (dist < (bestNorm[s] as number)) {
            bestNorm[s] = dist;
            best.set(p1, s * size);
          }
          for (let p = 0; p < size; p++) p1[p] = (x0[r * size + p] as number) + cfg.beta * (delta[p] as number);
        });
      }
      pick.dispose();
    }
  }
  const out = Float32Array.from(best);
  if (eps !== undefined) {
    for (let s = 0; s < n; s++) if ((bestNorm[s] as number) > eps) out.set(clean.subarray(s * size, (s + 1) * size), s * size);
  }
  return tf.tensor4d(out, [n, h, w, c]);
}
