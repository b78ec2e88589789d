import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apgd, pgd } from '../src/index';

// Synthetic, clearly separable images: 16×16×1, class c has a band 0.3 brighter on rows 4c…4c+3.
const H = 16;
const K = 4;

function makeData(n: number, seed: number): { x: Images; y: Labels } {
  return tf.tidy(() => {
    const y = tf.tensor1d(Array.from({ length: n }, (_, i) => i % K), 'int32');
    const rows = tf.reshape(tf.oneHot(tf.cast(tf.floorDiv(tf.range(0, H, 1, 'int32'), 4), 'int32') as tf.Tensor1D, K), [1, H, 1, K]); // row → class band
    const band = tf.sum(tf.mul(rows, tf.reshape(tf.oneHot(y, K), [n, 1, 1, K])), 3, true); // [n,H,1,1]
    const x = tf.clipByValue(tf.add(tf.add(0.35, tf.mul(0.3, band)), tf.randomUniform([n, H, H, 1], -0.15, 0.15, 'float32', seed)), 0, 1);
    return { x: x as Images, y: y as Labels };
  });
}

function accuracy(model: Classifier, x: Images, y: Labels): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model(x), 1), y), 'float32')).dataSync()[0] as number);
}

/** Trains conv 8 3×3 s2 → relu → conv 16 3×3 s2 → relu → dense K with Adam for 60 steps of 64 images. */
function train(lr: number, seed: number): { params: tf.Variable[]; model: Classifier } {
  const f1 = tf.variable(tf.randomNormal([3, 3, 1, 8], 0, 0.3, 'float32', seed));
  const f2 = tf.variable(tf.randomNormal([3, 3, 8, 16], 0, 0.1, 'float32', seed + 1));
  const w = tf.variable(tf.randomNormal([4 * 4 * 16, K], 0, 0.05, 'float32', seed + 2));
  const b = tf.variable(tf.zeros([K]));
  const model: Classifier = (x) =>
    tf.tidy(() => {
      const h1 = tf.relu(tf.conv2d(x, f1 as tf.Tensor4D, 2, 'same')); // [N,8,8,8]
      const h2 = tf.relu(tf.conv2d(h1, f2 as tf.Tensor4D, 2, 'same')); // [N,4,4,16]
      return tf.add(tf.matMul(tf.reshape(h2, [x.shape[0], -1]), w), b) as tf.Tensor2D; // [N,K]
    });
  const opt = tf.train.adam(lr);
  for (let step = 0; step < 60; step++) {
    const { x, y } = makeData(64, 100 + step);
    opt.minimize(() => tf.losses.softmaxCrossEntropy(tf.oneHot(y, K), model(x)) as tf.Scalar);
    tf.dispose([x, y]);
  }
  opt.dispose();
  return { params: [f1, f2, w, b], model };
}

describe('PGD on a small CNN trained in the test', () => {
  let params: tf.Variable[];
  let model: Classifier;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    ({ params, model } = train(0.005, 1));
  });
  afterAll(() => tf.dispose(params));

  // eps 0.2 exceeds half the band contrast (0.15), so no classifier is robust here; the control shows that
  // random corners of the same l_inf ball leave accuracy high: PGD's success is the gradient's doing.
  it('PGD-40 (l_inf, eps 0.2) drives accuracy from ≥ 95 % to ≤ 10 %; random ±eps noise does not', () => {
    const { x, y } = makeData(128, 7);
    const clean = accuracy(model, x, y);
    const xAdv = pgd(model, x, y, { eps: 0.2, stepSize: 0.01, steps: 40 });
    const robust = accuracy(model, xAdv, y);
    const xNoise = tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(0.2, tf.sign(tf.randomUniform(x.shape, -1, 1, 'float32', 9)))), 0, 1)) as Images;
    const noisy = accuracy(model, xNoise, y);
    xNoise.dispose();
    tf.dispose([x, y, xAdv]);
    expect(clean).toBeGreaterThanOrEqual(0.95);
    expect(robust).toBeLessThanOrEqual(0.1);
    expect(noisy).toBeGreaterThanOrEqual(0.8);
  });

  it('on an over-confident CNN whose float32 cross-entropy gradient vanishes, PGD-CE fails and APGD-DLR does not', () => {
    // lr 0.02 makes logit margins so large that softmax underflows: ∇CE is exactly 0 almost everywhere
    // (gradient masking by saturation). DLR is a ratio of logit differences, so its gradient survives.
    const sharp = train(0.02, 1);
    const { x, y } = makeData(128, 7);
    const xPgd = pgd(sharp.model, x, y, { eps: 0.2, stepSize: 0.01, steps: 40 });
    const xDlr = apgd(sharp.model, x, y, { eps: 0.2, steps: 40, loss: 'dlr' });
    const [clean, viaCe, viaDlr] = [accuracy(sharp.model, x, y), accuracy(sharp.model, xPgd, y), accuracy(sharp.model, xDlr, y)];
    tf.dispose([x, y, xPgd, xDlr, ...sharp.params]);
    expect(clean).toBeGreaterThanOrEqual(0.95);
    expect(viaCe).toBeGreaterThanOrEqual(0.9);
    expect(viaDlr).toBeLessThanOrEqual(0.1);
  });
});
