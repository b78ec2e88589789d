import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { caught, rel, take, useWasm } from '../test/helpers';
import { createGaussianKernel } from './gaussianKernel';
import { kernelMatrices, pooledKernelMatrix } from './kernelMatrices';
import { medianSqDist } from './medianSqDist';
import { mmd2Biased, mmd2Unbiased } from './mmd2';
import { permutationTest } from './permutationTest';

useWasm();

/** One seeded trial: two samples of N(0, I_d) (+ `shift` on every coordinate of y), Gaussian kernel at the median heuristic. */
function trial(seed: number, n: number, d: number, shift: number): number {
  const k = tf.tidy(() => {
    const x = tf.randomNormal([n, d], 0, 1, 'float32', 2 * seed) as tf.Tensor2D;
    const y = tf.randomNormal([n, d], shift, 1, 'float32', 2 * seed + 1) as tf.Tensor2D;
    return pooledKernelMatrix(createGaussianKernel(medianSqDist(x, y)), x, y); // one [2n,2n] matrix per trial
  });
  const { pValue } = permutationTest(k, n, { permutations: 100, alpha: 0.05, seed });
  k.dispose();
  return pValue;
}

describe('permutationTest', () => {
  it('rejects 2–8 % of 200 clean-vs-clean trials at α = 0.05, and ≥ 95 % under a mean shift of 0.5 in 10 dimensions (n = 100)', () => {
    const trials = 200;
    let nullRejections = 0;
    let shiftRejections = 0;
    for (let t = 0; t < trials; t++) {
      if (trial(t, 100, 10, 0) <= 0.05) nullRejections++;
      if (trial(10_000 + t, 100, 10, 0.5) <= 0.05) shiftRejections++;
    }
    console.log(`[acceptance] permutation test, α = 0.05, 100 permutations, n = 100, d = 10, ${trials} seeded trials: ` +
      `type-I rate ${(100 * nullRejections / trials).toFixed(1)} %, power at shift 0.5 ${(100 * shiftRejections / trials).toFixed(1)} %`);
    expect(nullRejections / trials).toBeGreaterThanOrEqual(0.02);
    expect(nullRejections / trials).toBeLessThanOrEqual(0.08);
    expect(shiftRejections / trials).toBeGreaterThanOrEqual(0.95);
  });

  it('returns the unbiased (or biased) MMD² of the observed split, a consistent threshold, and is seeded', () => {
    const x = tf.randomNormal([30, 4], 0, 1, 'float32', 1) as tf.Tensor2D;
    const y = tf.randomNormal([30, 4], 0.3, 1, 'float32', 2) as tf.Tensor2D;
    const kernel = createGaussianKernel(medianSqDist(x, y));
    const k = pooledKernelMatrix(kernel, x, y);
    const { kxx, kyy, kxy } = kernelMatrices(kernel, x, y);
    const before = tf.memory().numTensors;
    const a = permutationTest(k, 30, { seed: 5 });
    expect(tf.memory().numTensors).toBe(before);
    expect(rel(a.statistic, take(mmd2Unbiased(kxx, kyy, kxy)))).toBeLessThan(1e-5);
    expect(permutationTest(k, 30, { seed: 5 })).toEqual(a);
    expect(permutationTest(k, 30, { seed: 6 })).not.toEqual(a);
    expect(a.pValue <= 0.05).toBe(a.statistic > a.threshold);
    const b = permutationTest(k, 30, { seed: 5, estimator: 'biased', permutations: 200 });
    expect(rel(b.statistic, take(mmd2Biased(kxx, kyy, kxy)))).toBeLessThan(1e-5);
    expect(b.pValue * 201).toBeCloseTo(Math.round(b.pValue * 201), 6);
    const c = permutationTest(tf.slice(k, [0, 0], [50, 50]), 30, { estimator: 'biased' }); // unequal sizes 30 vs 20
    expect(c.pValue).toBeGreaterThan(0);
    tf.dispose([x, y, k, kxx, kyy, kxy]);
  });

  it('rejects a bad split, too few permutations for α, unknown estimators and NaN', () => {
    const k = tf.eye(6) as tf.Tensor2D;
    expect(caught(() => permutationTest(k, 2)).message).toMatch(/must be half of the 6 rows of 'k' for the 'unbiased' estimator.*got 2/);
    expect(caught(() => permutationTest(k, 0, { estimator: 'biased' })).message).toMatch(/Argument 'nx' passed to 'permutationTest' must be an integer with at least 1 sample/);
    expect(caught(() => permutationTest(k, 3, { permutations: 10 })).message).toMatch(/Option 'permutations' passed to 'permutationTest' must be at least 19 for alpha = 0.05/);
    expect(caught(() => permutationTest(k, 3, { estimator: 'median' as never })).message).toMatch(/must be one of 'unbiased', 'biased', got "median"/);
    expect(caught(() => permutationTest(k, 3, { seeds: 1 } as never)).code).toBe('UNKNOWN_OPTION');
    const rect = tf.ones([4, 6]);
    expect(caught(() => permutationTest(rect as tf.Tensor2D, 2)).message).toMatch(/square pooled kernel matrix.*got shape \[4,6\]/);
    const nan = tf.tensor2d([[1, NaN], [NaN, 1]]);
    expect(caught(() => permutationTest(nan, 1, { estimator: 'biased' })).code).toBe('NOT_FINITE');
    tf.dispose([k, rect, nan]);
  });
});
