import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { caught, rel, take, useWasm } from '../test/helpers';
import { blockwiseMmd } from './blockwiseMmd';
import { DeepKernel } from './DeepKernel';
import { createGaussianKernel } from './gaussianKernel';
import { h1Variance } from './h1Variance';
import { kernelMatrices } from './kernelMatrices';
import { mmd2Biased, mmd2Unbiased } from './mmd2';
import { testPower } from './testPower';
import type { Kernel } from './types';

useWasm();

function direct(kernel: Kernel, x: tf.Tensor, y: tf.Tensor) {
  const { kxx, kyy, kxy } = kernelMatrices(kernel, x, y);
  const out = {
    mmd2Unbiased: take(mmd2Unbiased(kxx, kyy, kxy)),
    mmd2Biased: take(mmd2Biased(kxx, kyy, kxy)),
    variance: take(h1Variance(kxx, kyy, kxy)),
    testPower: take(testPower(kxx, kyy, kxy)),
  };
  tf.dispose([kxx, kyy, kxy]);
  return out;
}

describe('blockwiseMmd', () => {
  it('matches the direct computation at n = 2,000, d = 64, holding at most [b,b] kernel blocks', async () => {
    const n = 2000;
    const x = tf.randomNormal([n, 64], 0, 1, 'float32', 1);
    const y = tf.randomNormal([n, 64], 0.05, 1, 'float32', 2);
    const kernel = createGaussianKernel(128);
    let result = { mmd2Unbiased: 0, mmd2Biased: 0, variance: 0, testPower: 0 };
    const profile = await tf.profile(() => {
      result = blockwiseMmd(kernel, x, y, { blockSize: 256 });
      return [];
    });
    const full = direct(kernel, x, y);
    const errors = Object.fromEntries(Object.entries(full).map(([k, v]) => [k, rel(result[k as keyof typeof result], v)]));
    console.log(`[acceptance] blockwise vs direct, n = ${n}, d = 64, b = 256: ${JSON.stringify(result)} vs ${JSON.stringify(full)}; ` +
      `relative differences ${JSON.stringify(errors)}; blockwise peak tensor memory ${(profile.peakBytes / 2 ** 20).toFixed(1)} MiB ` +
      `(one n×n float32 matrix: ${(n * n * 4 / 2 ** 20).toFixed(1)} MiB)`);
    for (const e of Object.values(errors)) expect(e).toBeLessThan(1e-4);
    expect(profile.peakBytes).toBeLessThan(n * n * 4); // never one full n×n matrix, let alone three
    expect(profile.newTensors).toBe(0);
    tf.dispose([x, y]);
  });

  it('handles uneven blocks and any Kernel (a deep kernel on images)', () => {
    const x = tf.randomUniform([37, 3, 3, 1], 0, 1, 'float32', 3);
    const y = tf.randomUniform([37, 3, 3, 1], 0.1, 1, 'float32', 4);
    const kernel = new DeepKernel({ sigma0: 0.5, sigma: 18, eps: 0.2 }, (v) => tf.tanh(tf.reshape(v, [v.shape[0] as number, -1]).slice([0, 0], [-1, 4])));
    const full = direct(kernel, x, y);
    for (const blockSize of [5, 16, 37, 100]) {
      const b = blockwiseMmd(kernel, x, y, { blockSize });
      for (const key of Object.keys(full) as (keyof typeof full)[]) expect(rel(b[key], full[key])).toBeLessThan(1e-4);
    }
    tf.dispose([x, y]);
    kernel.dispose();
  });

  it('rejects unequal sizes, n < 2, different features, NaN and bad options', () => {
    const k = createGaussianKernel(1);
    const [a, b, c, one] = [tf.ones([4, 2]), tf.ones([5, 2]), tf.ones([4, 3]), tf.ones([1, 2])];
    expect(caught(() => blockwiseMmd(k, a, b)).message).toMatch(/'blockwiseMmd' must have the same number of samples.*got 4 and 5/);
    expect(caught(() => blockwiseMmd(k, one, one)).message).toMatch(/at least 2 rows/);
    expect(caught(() => blockwiseMmd(k, a, c)).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => blockwiseMmd(k, a, a, { blockSize: 0 })).code).toBe('OUT_OF_RANGE');
    const nan = tf.tensor2d([[NaN, 0], [0, 0], [0, 0], [0, 0]]);
    expect(caught(() => blockwiseMmd(k, nan, a)).code).toBe('NOT_FINITE');
    tf.dispose([a, b, c, one, nan]);
  });
});
