import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { expectNoLeak } from '@robustjs/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { dlrLoss } from './dlrLoss';

describe('dlrLoss', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('is −(z_y − max_{i≠y} z_i) / (z_π1 − z_π3)', () => {
    const z = tf.tensor2d([[4, 1, 2, 0], [4, 1, 2, 0]]);
    const y = tf.tensor1d([0, 2], 'int32');
    expectNoLeak(() => dlrLoss(z, y));
    const out = tf.tidy(() => Array.from(dlrLoss(z, y).dataSync()));
    tf.dispose([z, y]);
    expect(out[0]).toBeCloseTo(-(4 - 2) / (4 - 1), 5); // correct: negative
    expect(out[1]).toBeCloseTo(-(2 - 4) / (4 - 1), 5); // misclassified: positive
  });

  it('is invariant to shifting and scaling the logits', () => {
    const z = tf.tensor2d([[0.3, -1.2, 2.5, 0.9, 0.1]]);
    const y = tf.tensor1d([3], 'int32');
    const a = dlrLoss(z, y).dataSync()[0] as number;
    const b = tf.tidy(() => dlrLoss(tf.add(tf.mul(z, 7), 3) as tf.Tensor2D, y).dataSync()[0] as number);
    tf.dispose([z, y]);
    expect(b).toBeCloseTo(a, 5);
  });

  it('has a gradient through the picked logits (topk-free masks)', () => {
    const z = tf.tensor2d([[4, 1, 2, 0]]);
    const y = tf.tensor1d([0], 'int32');
    const g = tf.grad((v: tf.Tensor) => tf.sum(dlrLoss(v as tf.Tensor2D, y)))(z);
    const got = Array.from(g.dataSync());
    tf.dispose([z, y, g]);
    // L = −(z0 − z2)/(z0 − z1): dL/dz0 = −(z2 − z1)/(z0 − z1)², dL/dz1 = −(z0 − z2)/(z0 − z1)², dL/dz2 = 1/(z0 − z1).
    expect(got[0]).toBeCloseTo(-(2 - 1) / 9, 5);
    expect(got[1]).toBeCloseTo(-(4 - 2) / 9, 5);
    expect(got[2]).toBeCloseTo(1 / 3, 5);
    expect(got[3]).toBeCloseTo(0, 6);
  });
});
