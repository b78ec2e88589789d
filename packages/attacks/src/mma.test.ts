import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Images } from '@robustjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { mma } from './mma';
import { randomLinear, rng } from '../test/models';

describe('mma', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('keeps, per sample, the target with the largest margin: exact on a linear model', () => {
    // Box inactive (x in [0.3,0.7], eps 0.05): the best l_inf step towards class j raises z_j − z_y by
    // eps·‖w_j − w_y‖₁, and the hinge (κ = 50) never saturates, so the output margin is
    // max_j [z_j(x) − z_y(x) + eps·‖w_j − w_y‖₁] over all K − 1 targets.
    const D = 9;
    const K = 4;
    const eps = 0.05;
    const lin = randomLinear(D, K, 4);
    const rand = rng(5);
    const xs = Array.from({ length: 20 }, () => Array.from({ length: D }, () => Math.fround(0.3 + 0.4 * rand())));
    const x = tf.tensor4d(xs.flat(), [20, 3, 3, 1]) as Images;
    const y = tf.tidy(() => tf.argMax(lin.model(x), 1)) as tf.Tensor1D;
    const ys = Array.from(y.dataSync());
    const out = mma(lin.model, x, y, { eps, stepSize: eps / 4, steps: 8, k: K - 1, randomStart: false });
    const z = lin.model(out).arraySync() as number[][];
    const logit = (v: number[], j: number) => v.reduce((s, xd, d) => s + (lin.w[j] as Float64Array)[d]! * xd, lin.b[j] as number);
    xs.forEach((v, i) => {
      const yi = ys[i] as number;
      let want = -Infinity;
      for (let j = 0; j < K; j++) {
        if (j === yi) continue;
        const l1 = (lin.w[j] as Float64Array).reduce((s, wj, d) => s + Math.abs(wj - (lin.w[yi] as Float64Array)[d]!), 0);
        want = Math.max(want, logit(v, j) - logit(v, yi) + eps * l1);
      }
      const zi = z[i] as number[];
      const got = Math.max(...zi.map((zj, j) => (j === yi ? -Infinity : zj))) - (zi[yi] as number);
      expect(got).toBeCloseTo(want, 3);
    });
    tf.dispose([x, y, out]);
    lin.dispose();
  });
});
