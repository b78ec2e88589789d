import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgd } from './pgd';
import { square } from './square';
import { randomLinear, rng, type LinearModel } from '../test/models';

const N = 300;
const D = 16;
const K = 5;
const EPS = 0.05;

function accuracy(model: Classifier, x: Images, y: Labels): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model(x), 1), y), 'float32')).dataSync()[0] as number);
}

describe('square', () => {
  let lin: LinearModel;
  let xs: Float64Array[];
  let x: Images;
  let y: Labels;
  let exact: number;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    lin = randomLinear(D, K, 1, 3);
    const rand = rng(3);
    xs = Array.from({ length: N }, () => Float64Array.from(Float32Array.from({ length: D }, () => 0.3 + 0.4 * rand())));
    x = tf.tensor4d(Float32Array.from(xs.flatMap((v) => Array.from(v))), [N, 4, 4, 1]);
    y = tf.tidy(() => tf.argMax(lin.model(x), 1)) as Labels;
    const ys = Array.from(y.dataSync());
    // Exact l_inf robustness of a linear model with the box inactive (see test/linearExact.test.ts).
    const logit = (v: Float64Array, j: number) => (lin.w[j] as Float64Array).reduce((s, wj, d) => s + wj * (v[d] as number), lin.b[j] as number);
    exact = xs.filter((v, i) => {
      const yi = ys[i] as number;
      return lin.w.every((wj, j) => j === yi || logit(v, yi) - logit(v, j) > EPS * wj.reduce((s, a, d) => s + Math.abs((lin.w[yi] as Float64Array)[d]! - a), 0));
    }).length / N;
  });
  afterAll(() => {
    tf.dispose([x, y]);
    lin.dispose();
  });

  it('on a linear model never beats the exact robust accuracy and comes within 2 % of it', () => {
    const xAdv = square(lin.model, x, y, { eps: EPS, queries: 300, seed: 1 });
    const got = accuracy(lin.model, xAdv, y);
    xAdv.dispose();
    expect(exact).toBeGreaterThan(0.1);
    expect(exact).toBeLessThan(0.9);
    expect(got).toBeGreaterThanOrEqual(exact - 1e-9);
    expect(got - exact).toBeLessThanOrEqual(0.02);
  });

  it('needs no gradients: on a model whose gradient is zero, PGD does nothing and Square still succeeds', () => {
    const masked: Classifier = (v) =>
      tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const input = args[0] as Images;
        return { value: lin.model(input), gradFunc: () => [tf.zerosLike(input)] };
      })(v) as tf.Tensor2D;
    const xPgd = pgd(masked, x, y, { eps: EPS, stepSize: EPS / 4, steps: 20, randomStart: false });
    const xSq = square(masked, x, y, { eps: EPS, queries: 300, seed: 1 });
    const viaPgd = accuracy(masked, xPgd, y);
    const viaSquare = accuracy(masked, xSq, y);
    tf.dispose([xPgd, xSq]);
    expect(viaPgd).toBe(1);
    expect(viaSquare - exact).toBeLessThanOrEqual(0.02);
  });
});
