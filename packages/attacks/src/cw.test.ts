import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Images, Labels } from '@robustjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cw } from './cw';
import { randomLinear, rng, type LinearModel } from '../test/models';

const N = 200;
const D = 16;
const K = 5;

describe('cw', () => {
  let lin: LinearModel;
  let x: Images;
  let y: Labels;
  let dist: number[];
  beforeAll(async () => {
    await tf.setBackend('wasm');
    lin = randomLinear(D, K, 1, 3);
    const rand = rng(4);
    const xs = Array.from({ length: N }, () => Float64Array.from(Float32Array.from({ length: D }, () => 0.3 + 0.4 * rand())));
    x = tf.tensor4d(Float32Array.from(xs.flatMap((v) => Array.from(v))), [N, 4, 4, 1]);
    y = tf.tidy(() => tf.argMax(lin.model(x), 1)) as Labels;
    const ys = Array.from(y.dataSync());
    // Exact minimal l2 distance to the decision boundary of a linear model (box inactive): min_j margin_j / ‖w_y − w_j‖₂.
    const logit = (v: Float64Array, j: number) => (lin.w[j] as Float64Array).reduce((s, wj, d) => s + wj * (v[d] as number), lin.b[j] as number);
    dist = xs.map((v, i) => {
      const yi = ys[i] as number;
      const wy = lin.w[yi] as Float64Array;
      return Math.min(...lin.w.map((wj, j) => (j === yi ? Infinity : (logit(v, yi) - logit(v, j)) / Math.sqrt(wj.reduce((s, a, d) => s + ((wy[d] as number) - a) ** 2, 0)))));
    });
  });
  afterAll(() => {
    tf.dispose([x, y]);
    lin.dispose();
  });

  // Measured (defaults but binarySearchSteps 5): every sample with exact distance < 0.3 succeeds; the found l2 norm
  // over the exact minimum is at most 1.026 for exact distances in [0.03, 0.1) and 1.007 in [0.1, 0.3). Below
  // 0.03 the Adam step (lr 0.01 in tanh space ≈ 0.02 in l2 per step) is coarse: up to 1.20 in [0.01, 0.03)
  // and 7.7 below 0.01, so those points are only required to succeed.
  it('on a linear model finds every nearby boundary, within 10 % above the exact minimal l2 distance', () => {
    const out = cw(lin.model, x, y, { binarySearchSteps: 5 });
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(out, x)), [1, 2, 3])).dataSync());
    const pred = tf.tidy(() => tf.argMax(lin.model(out), 1).dataSync());
    const ys = y.dataSync();
    out.dispose();
    const near = dist.map((_, i) => i).filter((i) => (dist[i] as number) < 0.3);
    const measured = near.filter((i) => (dist[i] as number) >= 0.03);
    expect(near.length).toBeGreaterThan(50);
    expect(measured.length).toBeGreaterThan(50);
    for (const i of near) {
      expect(pred[i]).not.toBe(ys[i]);
      expect(norms[i] as number).toBeGreaterThanOrEqual((dist[i] as number) * (1 - 1e-3));
    }
    for (const i of measured) expect((norms[i] as number) / (dist[i] as number)).toBeLessThanOrEqual(1.1);
  });

  it('returns x where it fails and an adversarial image where it succeeds', () => {
    const out = cw(lin.model, x, y, { steps: 5 });
    const same = tf.tidy(() => tf.all(tf.equal(tf.reshape(out, [N, -1]), tf.reshape(x, [N, -1])), 1).dataSync());
    const pred = tf.tidy(() => tf.argMax(lin.model(out), 1).dataSync());
    const ys = y.dataSync();
    out.dispose();
    let kept = 0;
    for (let i = 0; i < N; i++) {
      if (same[i]) kept++;
      else expect(pred[i]).not.toBe(ys[i]);
    }
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(N);
  });

  it('with eps drops perturbations longer than eps', () => {
    const eps = 0.05;
    const out = cw(lin.model, x, y, { binarySearchSteps: 3, eps });
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(out, x)), [1, 2, 3])).dataSync());
    const pred = tf.tidy(() => tf.argMax(lin.model(out), 1).dataSync());
    const ys = y.dataSync();
    out.dispose();
    for (let i = 0; i < N; i++) {
      expect(norms[i] as number).toBeLessThanOrEqual(eps + 1e-6);
      if ((norms[i] as number) > 0) expect(pred[i]).not.toBe(ys[i]);
      if ((dist[i] as number) < 0.9 * eps) expect(pred[i]).not.toBe(ys[i]);
    }
  });
});
