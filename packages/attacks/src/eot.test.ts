import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { RobustError } from '@robustjs/core';
import type { Images } from '@robustjs/core';
import { expectClose, expectNoLeak } from '@robustjs/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { eot } from './eot';
import type { RandomizedClassifier } from './types';

// z = (x·1 + u_s) · [1, −1] with u_s a seeded scalar: the per-draw gradient of z_0 is 1 for every draw,
// and of z_0² it is 2(x·1 + u_s), whose average is 2(x·1 + ū).
const shift = (seed: number): number => (seed % 1000) / 1000;
const randomized: RandomizedClassifier = (x, seed) =>
  tf.tidy(() => tf.mul(tf.add(tf.sum(tf.reshape(x, [x.shape[0], -1]), 1, true), shift(seed)), tf.tensor2d([[1, -1]])) as tf.Tensor2D);

describe('eot', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('returns the mean logits over its draws, reproducibly from the seed', () => {
    const x = tf.zeros([2, 1, 1, 1]) as Images;
    const seen: number[] = [];
    const spy: RandomizedClassifier = (v, s) => { seen.push(s); return randomized(v, s); };
    const a = eot(spy, { samples: 4, seed: 3 })(x).dataSync();
    const b = eot(randomized, { samples: 4, seed: 3 })(x).dataSync();
    const mean = seen.reduce((acc, s) => acc + shift(s), 0) / 4;
    expect(new Set(seen).size).toBe(4);
    expectClose(Array.from(a), [mean, -mean, mean, -mean], 1e-5);
    expect(Array.from(b)).toEqual(Array.from(a));
    x.dispose();
  });

  it('back-propagates the average of the per-draw gradients', () => {
    const x = tf.fill([1, 1, 1, 1], 0.5) as Images;
    const seen: number[] = [];
    const spy: RandomizedClassifier = (v, s) => { seen.push(s); return randomized(v, s); };
    const model = eot(spy, { samples: 5, seed: 1 });
    // loss = Σ_s z_0(s)² / 5 computed per draw would differ; the EOT classifier's gradient of mean(z_0) is 1.
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.slice(model(v as Images), [0, 0], [1, 1])))(x);
    expectClose(g.dataSync(), [1], 1e-6);
    tf.dispose([x, g]);
    expect(seen.length).toBe(5);
  });

  it('leaks no tensors and rejects samples < 1', () => {
    const x = tf.zeros([2, 1, 1, 1]) as Images;
    expectNoLeak(() => eot(randomized, { samples: 3 })(x));
    x.dispose();
    expect(() => eot(randomized, { samples: 0 })).toThrow(RobustError);
    expect(() => eot(randomized, { samples: 0 })).toThrow(/'samples' passed to 'eot'/);
  });
});
