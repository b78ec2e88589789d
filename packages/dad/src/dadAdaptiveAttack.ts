/**
 * DAD's adaptive white-box attacks: PGD+EOT through the whole pipeline (Zhang et al., ICML 2025,
 * `adaptive_whitebox_attack.py::adaptive_pgd_eot_l_inf` / `_l2`, and the earlier `adaptive_detector_attack.py`;
 * [arXiv:2503.02169](https://arxiv.org/abs/2503.02169)). Madry et al. 2018 (PGD), Athalye et al. 2018 (EOT).
 *
 * | variable    | paper symbol | meaning |
 * |-------------|--------------|---------|
 * | `m`         | MMD²_b(R, B) | the defense's own detector statistic of the adversarial batch (differentiable) |
 * | `ce`        | CE           | mean cross-entropy of the route the defense takes |
 * | `alpha`     | α            | 0.01, weight of CE in the `'detect'` objective |
 * | `lambda`    | λ            | 100, weight of m in the `'evade'` and `'threshold'` objectives |
 * | `margin`    | —            | 0.9: `'threshold'` pushes m down only while m > margin·θ |
 *
 * Steps: 1. random start in the eps-ball (uniform for l_inf; random direction, radius U(0,1)·eps for l_2);
 * 2. per step: m and ∇m; the route the defense would take (m > θ → denoise); ∇CE averaged over `eot` noise
 * draws on that route (one draw when not flagged: that route is deterministic);
 * `'detect'`: ∇(m + α·CE), as the final DAD code; `'evade'`: ∇(CE − λ·m), as the earlier detector attack;
 * `'threshold'` (ours, a threshold-aware evasion): ∇(CE − λ·m) while m > margin·θ, else ∇CE of the route alone
 * (the undefended classifier once the batch passes as clean);
 * 3. sign step (l_inf) or per-sample normalised step (l_2), projection onto the eps-ball ∩ [0,1].
 * `'denoised'`: ∇CE on the denoised route whatever m (EOT draws every step: PGD+EOT through the always-denoise path).
 * Mixed batches (`controlled` k < N): only the first k images start randomly and move; the others stay clean.
 * `'detect'`, `'evade'` and `'denoised'` return the last iterate; `'threshold'` returns, of the iterates that pass the detector
 * (m ≤ θ), the one the classifier gets wrong most often (the last iterate when none passes).
 *
 * Why `'threshold'`: `'evade'` with a fixed λ keeps m far below θ (on the shipped Fashion-MNIST model λ = 100 ends
 * near m = 0.005 with θ = 0.024) and so gives away CE it could have spent; the detector only cares whether m ≤ θ.
 *
 * Deviation, stated: m is the defense's statistic against its reference batch R (what decides the route); DAD's
 * attacker uses the clean version of the batch as the reference.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { crossEntropy, type Norm } from '@robustjs/attacks';
import { ascentDirection, assert, assertLabels, assertNorm, assertNumber, describeValue, projectToBall, randomStartInBall, resolveOptions, seedStream } from '@robustjs/core';
import type { Images, Labels } from '@robustjs/core';
import type { DadDefense } from './dadDefense';

/**
 * DAD's adaptive losses: `'detect'` ascends m + α·CE, `'evade'` ascends CE − λ·m, `'threshold'` ascends CE − λ·m
 * while m > margin·θ and CE alone below (keeping the most misclassifying iterate that passes the detector),
 * `'denoised'` ascends CE through noise → denoiser → classifier whatever m (PGD+EOT through the always-denoise path).
 */
export type DadObjective = 'detect' | 'evade' | 'threshold' | 'denoised';

/** Options of {@link dadAdaptiveAttack}. */
export interface DadAdaptiveAttackOptions {
  /** Which loss to ascend; default `'detect'`. */
  readonly objective?: DadObjective;
  /** `'linf'` or `'l2'`; default `'linf'`. */
  readonly norm?: Norm;
  /** Budget; default 0.1 (l_inf, Fashion-MNIST). */
  readonly eps?: number;
  /** Step size; default `2.5·eps/steps`. */
  readonly stepSize?: number;
  /** PGD steps; default 20. */
  readonly steps?: number;
  /** EOT noise draws per step on the denoised route; default 4. */
  readonly eot?: number;
  /** α of `'detect'`; default 0.01. */
  readonly alpha?: number;
  /** λ of `'evade'` and `'threshold'`; default 100. */
  readonly lambda?: number;
  /** `'threshold'` only: m is pushed down while above margin·θ; in (0, 1], default 0.9. */
  readonly margin?: number;
  /** Random start; default true. */
  readonly randomStart?: boolean;
  /** Seed of the random start and the EOT draws; default 0. */
  readonly seed?: number;
  /**
   * Mixed batches: the attacker controls the first `controlled` images of the batch and leaves the others clean
   * (they still count in m and are routed with the batch); CE is averaged over the controlled images; default all.
   */
  readonly controlled?: number;
}

/** Defaults of {@link dadAdaptiveAttack}: `'detect'`, l_inf, eps 0.1, stepSize 2.5·eps/steps, 20 steps, EOT 4, α 0.01, λ 100, random start, seed 0. */
export const DAD_ADAPTIVE_ATTACK_DEFAULTS = Object.freeze({
  objective: 'detect' as DadObjective,
  norm: 'linf' as Norm,
  eps: 0.1,
  stepSize: undefined as number | undefined,
  steps: 20,
  eot: 4,
  alpha: 0.01,
  lambda: 100,
  margin: 0.9,
  randomStart: true,
  seed: 0,
  controlled: undefined as number | undefined,
});

type Direction = (gm: tf.Tensor4D, gce: tf.Tensor4D, alpha: number, lambda: number) => tf.Tensor4D;
/** ∇(CE − λ·m): `'evade'` always, `'threshold'` while m > margin·θ. */
const ceMinusLambdaM: Direction = (gm, gce, _alpha, lambda) => tf.sub(gce, tf.mul(gm, lambda));
const OBJECTIVES: Readonly<Record<DadObjective, Direction>> = {
  detect: (gm, gce, alpha) => tf.add(gm, tf.mul(gce, alpha)),
  evade: ceMinusLambdaM,
  threshold: ceMinusLambdaM,
  denoised: (_gm, gce) => gce,
};

/**
 * DAD's adaptive PGD+EOT through the whole defense, with either loss sign (steps in the file header).
 *
 * @param defense - the {@link DadDefense} under attack.
 * @param x - clean images `[N,H,W,C]` in [0,1], N ≥ `defense.minBatchSize` (attacked as one batch, as DAD routes batches).
 * @param y - labels `[N]` int32.
 * @param options - {@link DadAdaptiveAttackOptions}; defaults {@link DAD_ADAPTIVE_ATTACK_DEFAULTS}.
 * @returns adversarial images `[N,H,W,C]` within `eps` of `x` in `norm`, in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} the defense's batch errors, bad labels, an unknown objective or norm, bad numbers, unknown options.
 * @example
 * ```ts
 * const xAdv = dadAdaptiveAttack(defense, x, y, { objective: 'evade', eps: 0.1, steps: 20, eot: 4 });
 * ```
 */
export function dadAdaptiveAttack(defense: DadDefense, x: Images, y: Labels, options?: DadAdaptiveAttackOptions): Images {
  const fn = 'dadAdaptiveAttack';
  const cfg = resolveOptions(fn, DAD_ADAPTIVE_ATTACK_DEFAULTS, options);
  assert(typeof defense === 'function' && typeof defense.branch === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'defense' passed to '${fn}' must be a DadDefense from dadDefense({...}), got ${describeValue(defense)}.`);
  assert(Object.hasOwn(OBJECTIVES, cfg.objective), 'INVALID_ARGUMENT', () =>
    `Option 'objective' passed to '${fn}' must be one of ${Object.keys(OBJECTIVES).map((k) => `'${k}'`).join(', ')}, ` +
      `got ${describeValue(cfg.objective)}.`);
  assertNorm(cfg.norm, fn);
  assertNumber(cfg.eps, 'eps', fn, { min: 0 });
  assertNumber(cfg.steps, 'steps', fn, { integer: true, min: 0 });
  assertNumber(cfg.eot, 'eot', fn, { integer: true, min: 1 });
  assertNumber(cfg.alpha, 'alpha', fn, { min: 0 });
  assertNumber(cfg.lambda, 'lambda', fn, { min: 0 });
  assertNumber(cfg.margin, 'margin', fn, { greaterThan: 0, max: 1 });
  assertNumber(cfg.seed, 'seed', fn, { integer: true });
  const stepSize = cfg.stepSize ?? (2.5 * cfg.eps) / Math.max(cfg.steps, 1);
  assertNumber(stepSize, 'stepSize', fn, { greaterThan: 0 });
  defense.check(x, 'x', fn);
  assertLabels(y, 'y', fn, { batch: x.shape[0] });
  const n = x.shape[0];
  const k = cfg.controlled ?? n;
  assertNumber(k, 'controlled', fn, { integer: true, min: 1, max: n });

  const { detector } = defense.parts;
  const { norm, eps } = cfg;
  const seeds = seedStream(cfg.seed);
  // The start takes the stream's first two seeds (both norms), the EOT draws follow.
  // mixed batches: only the first k images move; mask [N,1,1,1] and CE weights [N] (1/k on the controlled images)
  const mask = k < n ? tf.tidy(() => tf.reshape(tf.concat([tf.ones([k]), tf.zeros([n - k])]), [n, 1, 1, 1])) : undefined;
  const weights = mask === undefined ? undefined : tf.tidy(() => tf.div(tf.reshape(mask, [n]), k));
  const keep = (moved: tf.Tensor): Images => (mask === undefined ? moved : tf.where(tf.greater(mask, 0), moved, x)) as Images;
  let xAdv: Images = cfg.randomStart ? tf.tidy(() => keep(randomStartInBall(x, eps, norm, seeds))) : tf.clone(x);
  const mGrad = tf.valueAndGrad((xx: tf.Tensor) => tf.sum(detector.score(xx)) as tf.Scalar);
  const aware = cfg.objective === 'threshold';
  const alwaysDenoised = cfg.objective === 'denoised';
  const yValues = aware ? y.dataSync() : undefined;
  let best: { x: Images; wrong: number } | undefined;
  /** `'threshold'`: keeps xa when it passes the detector (m ≤ θ) and the classifier gets more of it wrong than the best so far. */
  const consider = (xa: Images, m: number): void => {
    if (yValues === undefined || m > defense.threshold) return;
    const predicted = tf.tidy(() => tf.argMax(defense.branch(xa, false), 1).dataSync());
    let wrong = 0;
    for (let i = 0; i < k; i++) if (predicted[i] !== yValues[i]) wrong++;
    if (best !== undefined && wrong <= best.wrong) return;
    best?.x.dispose();
    best = { x: tf.clone(xa), wrong };
  };
  for (let t = 0; t < cfg.steps; t++) {
    const draws = Array.from({ length: cfg.eot }, () => seeds.next() + 1);
    let m = 0;
    const next = tf.tidy(() => {
      // 'denoised' ignores m: no detector gradient
      const { value, grad: gm } = alwaysDenoised ? { value: undefined, grad: undefined } : mGrad(xAdv);
      m = value === undefined ? Number.NaN : ((value.dataSync() as Float32Array)[0] as number);
      const flagged = alwaysDenoised || m > defense.threshold;
      const samples = flagged ? draws : [undefined];
      let gce: tf.Tensor4D | undefined;
      for (const seed of samples) {
        const loss = (xx: tf.Tensor): tf.Scalar => {
          const ce = crossEntropy(defense.branch(xx as Images, flagged, seed), y);
          return (weights === undefined ? tf.mean(ce) : tf.sum(tf.mul(ce, weights))) as tf.Scalar;
        };
        const g = tf.grad(loss)(xAdv) as tf.Tensor4D;
        gce = gce === undefined ? g : tf.add(gce, g) as tf.Tensor4D;
      }
      const ce = tf.div(gce as tf.Tensor4D, samples.length) as tf.Tensor4D;
      const g = aware && m <= cfg.margin * defense.threshold ? ce : OBJECTIVES[cfg.objective](gm as tf.Tensor4D, ce, cfg.alpha, cfg.lambda);
      return keep(projectToBall(tf.add(xAdv, tf.mul(stepSize, ascentDirection(g, norm))), x, eps, norm));
    });
    consider(xAdv, m);
    xAdv.dispose();
    xAdv = next;
  }
  tf.dispose([mask, weights].filter((t): t is tf.Tensor => t !== undefined));
  if (!aware) return xAdv;
  consider(xAdv, tf.tidy(() => detector.score(xAdv).dataSync()[0] as number));
  if (best === undefined) return xAdv;
  xAdv.dispose();
  return best.x;
}
