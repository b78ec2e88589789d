import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { caught, rel, take, useWasm } from '../test/helpers';
import { createGaussianKernel } from './gaussianKernel';
import { kernelMatrices, pooledKernelMatrix } from './kernelMatrices';
import { medianSqDist } from './medianSqDist';
import { mmd2Biased } from './mmd2';
import { wildBootstrap } from './wildBootstrap';

useWasm();

function pooled(seed: number, n: number, shift: number): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.randomNormal([n, 10], 0, 1, 'float32', 2 * seed) as tf.Tensor2D;
    const y = tf.randomNormal([n, 10], shift, 1, 'float32', 2 * seed + 1) as tf.Tensor2D;
    return pooledKernelMatrix(createGaussianKernel(medianSqDist(x, y)), x, y);
  });
}

describe('wildBootstrap', () => {
  it('holds its level roughly on clean-vs-clean data and detects a mean shift (100 seeded trials each, n = 100)', () => {
    let nullRejections = 0;
    let shiftRejections = 0;
    for (let t = 0; t < 100; t++) {
      const k0 = pooled(t, 100, 0);
      const k1 = pooled(5000 + t, 100, 0.5);
      if (wildBootstrap(k0, 100, { seed: t }).pValue <= 0.05) nullRejections++;
      if (wildBootstrap(k1, 100, { seed: t }).pValue <= 0.05) shiftRejections++;
      tf.dispose([k0, k1]);
    }
    console.log(`[acceptance] wild bootstrap, α = 0.05, 100 draws, n = 100, d = 10, 100 trials: type-I rate ${nullRejections} %, power at shift 0.5 ${shiftRejections} %`);
    expect(nullRejections).toBeLessThanOrEqual(12);
    expect(shiftRejections).toBeGreaterThanOrEqual(95);
  });

  it('returns MMD²_b of the observed samples, is seeded, and its threshold agrees with its p-value', () => {
    const x = tf.randomNormal([25, 3], 0, 1, 'float32', 1) as tf.Tensor2D;
    const y = tf.randomNormal([25, 3], 0.2, 1, 'float32', 2) as tf.Tensor2D;
    const kernel = createGaussianKernel(medianSqDist(x, y));
    const k = pooledKernelMatrix(kernel, x, y);
    const { kxx, kyy, kxy } = kernelMatrices(kernel, x, y);
    const a = wildBootstrap(k, 25, { seed: 3 });
    expect(rel(a.statistic, take(mmd2Biased(kxx, kyy, kxy)))).toBeLessThan(1e-5);
    expect(wildBootstrap(k, 25, { seed: 3 })).toEqual(a);
    expect(wildBootstrap(k, 25, { seed: 4 })).not.toEqual(a);
    expect(a.pValue <= 0.05).toBe(a.statistic > a.threshold);
    tf.dispose([x, y, k, kxx, kyy, kxy]);
  });

  it('rejects unequal halves and bad options', () => {
    const k = tf.eye(6) as tf.Tensor2D;
    expect(caught(() => wildBootstrap(k, 2)).message).toMatch(/'wildBootstrap' must be half of the 6 rows/);
    expect(caught(() => wildBootstrap(k, 3, { lengthScale: 0 })).code).toBe('OUT_OF_RANGE');
    expect(caught(() => wildBootstrap(k, 3, { draw: 5 } as never)).code).toBe('UNKNOWN_OPTION');
    k.dispose();
  });
});
