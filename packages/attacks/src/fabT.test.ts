import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Images, Labels } from '@robustjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fabT } from './fabT';
import { projectOnHyperplane } from './internal/fabProjection';
import type { Norm } from './types';
import { randomLinear, rng, type LinearModel } from '../test/models';

const N = 200;
const D = 16;
const K = 5;

describe('fabT', () => {
  let lin: LinearModel;
  let x: Images;
  let y: Labels;
  let dist: Record<Norm, number[]>;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    lin = randomLinear(D, K, 1, 3);
    const rand = rng(5);
    const xs = Array.from({ length: N }, () => Float64Array.from(Float32Array.from({ length: D }, () => 0.3 + 0.4 * rand())));
    x = tf.tensor4d(Float32Array.from(xs.flatMap((v) => Array.from(v))), [N, 4, 4, 1]);
    y = tf.tidy(() => tf.argMax(lin.model(x), 1)) as Labels;
    const ys = Array.from(y.dataSync());
    const logit = (v: Float64Array, j: number) => (lin.w[j] as Float64Array).reduce((s, wj, d) => s + wj * (v[d] as number), lin.b[j] as number);
    // Exact minimal distance to the boundary of a linear model (box inactive): min_j margin_j / ‖w_y − w_j‖_dual.
    const exact = (dual: (v: number[]) => number): number[] => xs.map((v, i) => {
      const yi = ys[i] as number;
      const wy = lin.w[yi] as Float64Array;
      return Math.min(...lin.w.map((wj, j) => (j === yi ? Infinity : (logit(v, yi) - logit(v, j)) / dual(Array.from(wj, (a, d) => (wy[d] as number) - a)))));
    });
    dist = { linf: exact((v) => v.reduce((s, a) => s + Math.abs(a), 0)), l2: exact((v) => Math.sqrt(v.reduce((s, a) => s + a * a, 0))) };
  });
  afterAll(() => {
    tf.dispose([x, y]);
    lin.dispose();
  });

  // Measured (10 steps, all 4 targets): every sample with exact distance < 0.1 (l_inf) / 0.3 (l_2) is broken at
  // 1.0051–1.0053 × the exact minimal distance (the η = 1.05 overshoot shrunk by the β = 0.9 back-steps).
  for (const norm of ['linf', 'l2'] as const) {
    it(`${norm}: on a linear model finds the exact minimal adversarial distance within 1 %`, () => {
      const out = fabT(lin.model, x, y, { norm, steps: 10, numTargets: 4 });
      const norms = tf.tidy(() => {
        const d = tf.reshape(tf.sub(out, x), [N, -1]);
        return (norm === 'linf' ? tf.max(tf.abs(d), 1) : tf.sqrt(tf.sum(tf.square(d), 1))).dataSync();
      });
      const pred = tf.tidy(() => tf.argMax(lin.model(out), 1).dataSync());
      const ys = y.dataSync();
      out.dispose();
      const exact = dist[norm];
      const near = exact.map((_, i) => i).filter((i) => (exact[i] as number) < (norm === 'linf' ? 0.1 : 0.3));
      expect(near.length).toBeGreaterThan(150);
      for (const i of near) {
        expect(pred[i]).not.toBe(ys[i]);
        const ratio = (norms[i] as number) / (exact[i] as number);
        expect(ratio).toBeGreaterThanOrEqual(1 - 1e-4);
        expect(ratio).toBeLessThanOrEqual(1.01);
      }
    });
  }

  it('with eps returns x where the closest adversarial is farther than eps', () => {
    const eps = 0.02;
    const out = fabT(lin.model, x, y, { eps, steps: 10, numTargets: 4 });
    const norms = tf.tidy(() => tf.max(tf.abs(tf.reshape(tf.sub(out, x), [N, -1])), 1).dataSync());
    const pred = tf.tidy(() => tf.argMax(lin.model(out), 1).dataSync());
    const ys = y.dataSync();
    out.dispose();
    for (let i = 0; i < N; i++) {
      expect(norms[i] as number).toBeLessThanOrEqual(eps + 1e-6);
      expect(pred[i] !== ys[i]).toBe((dist.linf[i] as number) * 1.01 < eps || (norms[i] as number) > 0);
      if ((dist.linf[i] as number) * 1.01 < eps) expect(pred[i]).not.toBe(ys[i]);
      if ((dist.linf[i] as number) > eps) expect(norms[i]).toBe(0);
    }
  });
});

describe('projectOnHyperplane', () => {
  it('lands on the hyperplane inside the box, along w for l2 when the box is inactive', () => {
    const p = Float64Array.from([0.5, 0.5, 0.5]);
    const w = Float64Array.from([1, -2, 0.5]);
    const b = -0.25 + 0.1 * 5.25; // w·p = −0.25, ‖w‖₂² = 5.25, ‖w‖₁ = 3.5: l2 step 0.1·w, linf step 0.525/3.5 per pixel
    for (const norm of ['linf', 'l2'] as const) {
      const d = projectOnHyperplane(p, w, b, norm);
      const moved = Array.from(p, (v, i) => v + (d[i] as number));
      expect(moved.reduce((s, v, i) => s + v * (w[i] as number), 0)).toBeCloseTo(b, 10);
      for (const v of moved) expect(v >= 0 && v <= 1).toBe(true);
      if (norm === 'l2') Array.from(d).forEach((v, i) => expect(v).toBeCloseTo(0.1 * (w[i] as number), 10));
      else Array.from(d).forEach((v) => expect(Math.abs(v)).toBeCloseTo(0.525 / 3.5, 10));
    }
  });

  it('moves coordinates to their bound when the box is active, and saturates when infeasible', () => {
    const p = Float64Array.from([0.95, 0.5]);
    const w = Float64Array.from([1, 1]);
    const d = projectOnHyperplane(p, w, 1.65, 'l2'); // needs +0.2 in total; x₀ has room 0.05 only
    expect(d[0]).toBeCloseTo(0.05, 10);
    expect(d[1]).toBeCloseTo(0.15, 10);
    const far = projectOnHyperplane(p, w, 5, 'linf');
    expect(Array.from(far).map((v) => Number(v.toFixed(10)))).toEqual([0.05, 0.5]);
  });
});
