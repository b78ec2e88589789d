/*
 * One FAB-T search: steps 1–4 of fabT.ts for one target class per sample and one restart — Croce & Hein,
 * "Minimally distorted adversarial examples with a fast adaptive boundary attack", ICML 2020, Algorithm 1.
 *
 * Notation (code → paper): x1 → x^(i), x0 → x_orig, d1 / d2 → the projections δ^(i) / δ_orig of x^(i) and
 * x_orig onto the linearised boundary π_t (eq. 5), alpha → α (eq. 7, capped at α_max), rule.eta → η,
 * rule.beta → β, best / bestNorm → the closest adversarial found so far and its distance.
 */
import * as tf from '@tensorflow/tfjs';
import type { Classifier, Images } from '@robustjs/core';
import type { Norm } from '../types';
import { projectOnHyperplane } from './fabProjection';

/** ‖v‖ in each norm. */
export const NORM_OF: Record<Norm, (v: Float64Array) => number> = {
  linf: (v) => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0),
  l2: (v) => Math.sqrt(v.reduce((m, x) => m + x * x, 0)),
};

/** FAB's step rule, already validated: norm, optional budget, iterations, α_max, η and β. */
export interface FabStepRule {
  readonly norm: Norm;
  readonly eps: number | undefined;
  readonly steps: number;
  readonly alphaMax: number;
  readonly eta: number;
  readonly beta: number;
}

/**
 * What a search reads (the model, the clean images sample-major, the labels, the restart noise) and updates
 * in place (per sample, the closest adversarial `best` and its distance `bestNorm`).
 */
export interface FabState {
  readonly model: Classifier;
  readonly shape: readonly [number, number, number, number];
  readonly k: number;
  readonly clean: Float64Array;
  readonly labels: Int32Array;
  readonly best: Float64Array;
  readonly bestNorm: Float64Array;
  readonly uniform: () => number;
}

/**
 * Runs `rule.steps` FAB iterations on the samples `open` towards the classes `targets` (one per open sample)
 * and records every closer adversarial in `state.best` / `state.bestNorm`.
 *
 * 1. x^(0) = x_orig, or with `restart` x_orig plus a random direction of length min(best distance, eps)/2
 *    (clipped to [0,1]; none while nothing was found and no eps is given).
 * 2. Linearise f = z_t − z_y at x^(i): w = ∇f, b = w·x^(i) − f.
 * 3. Project x^(i) and x_orig onto w·z = b inside [0,1] (in `norm`), mix with α and extrapolate by η.
 * 4. Where x^(i+1) is misclassified keep it if it is the closest so far, then step back by β towards x_orig.
 */
export function fabSearch(state: FabState, rule: FabStepRule, open: number[], targets: number[], restart: boolean): void {
  const { model, k, clean, labels, best, bestNorm, uniform } = state;
  const [, h, w, c] = state.shape;
  const size = h * w * c;
  const { eps, norm } = rule;
  const normOf = NORM_OF[norm];
  const predict = (data: Float64Array, samples: number[]): number[] => tf.tidy(() => {
    const pred = tf.argMax(model(tf.tensor4d(Float32Array.from(data), [samples.length, h, w, c])), 1).dataSync();
    return Array.from(pred);
  });
  const m = open.length;
  // pick = onehot(t) − onehot(y) [m,K], so z·pick = z_t − z_y per sample.
  const pick = tf.tidy(() => tf.sub(
    tf.oneHot(tf.tensor1d(targets, 'int32'), k),
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
  if (restart) {
    open.forEach((s, r) => {
      const radius = 0.5 * Math.min(bestNorm[s] as number, eps ?? Infinity);
      if (!Number.isFinite(radius)) return;
      const t = Float64Array.from({ length: size }, () => (norm === 'linf' ? 2 * uniform() - 1 : Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform())));
      const tn = normOf(t) + 1e-12;
      for (let p = 0; p < size; p++) x1[r * size + p] = Math.min(1, Math.max(0, (x0[r * size + p] as number) + (radius * (t[p] as number)) / tn));
    });
  }
  for (let it = 0; it < rule.steps; it++) {
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
      const alpha = Math.min(Math.max(a1 / (a1 + a2), 0), rule.alphaMax);
      for (let p = 0; p < size; p++) {
        const v = ((p1[p] as number) + rule.eta * (d1[p] as number)) * (1 - alpha) + ((p0[p] as number) + rule.eta * (d2[p] as number)) * alpha;
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
      for (let p = 0; p < size; p++) p1[p] = (x0[r * size + p] as number) + rule.beta * (delta[p] as number);
    });
  }
  pick.dispose();
}
