import * as tf from '@tensorflow/tfjs';
import { describeEachBackend, expectNoLeak, relativeError } from '@robustjs/test-utils';
import { expect, it } from 'vitest';
import { caught } from '../test/helpers';
import { gaussian64, randn } from '../test/reference64';
import { createGaussianKernel, gaussianKernel } from './gaussianKernel';

describeEachBackend('gaussianKernel', () => {
  it('matches exp(−D/σ) computed in float64, for a number and a tensor σ', () => {
    const xa = randn(12, 6, 1);
    const ya = randn(9, 6, 2, 1);
    const expected = gaussian64(xa, ya, 7.5).flat();
    const [x, y, s] = [tf.tensor2d(xa), tf.tensor2d(ya), tf.scalar(7.5)];
    for (const sigma of [7.5, s]) {
      const got = expectNoLeak(() => {
        const k = gaussianKernel(x, y, sigma);
        expect(k.shape).toEqual([12, 9]);
        const v = Array.from(k.dataSync());
        k.dispose();
        return v;
      });
      expect(relativeError(got, expected)).toBeLessThan(1e-5);
    }
    tf.dispose([x, y, s]);
  });

  it('is differentiable in σ', () => {
    const x = tf.tensor2d(randn(5, 3, 3));
    const y = tf.tensor2d(randn(5, 3, 4));
    const d = tf.tidy(() => tf.sum(tf.mul(gaussianKernel(x, y, 2), tf.div(tf.sum(tf.squaredDifference(x.expandDims(1), y.expandDims(0)), 2), 4))));
    const g = tf.grad((s: tf.Tensor) => tf.sum(gaussianKernel(x, y, s as tf.Scalar)))(tf.scalar(2)); // d/dσ exp(−D/σ) = exp(−D/σ)·D/σ²
    expect(relativeError(g.dataSync(), d.dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, y, d, g]);
  });

  it('createGaussianKernel flattens [N,...] batches and gives the same matrix', () => {
    const x = tf.randomUniform([4, 2, 2, 1], 0, 1, 'float32', 1);
    const y = tf.randomUniform([3, 2, 2, 1], 0, 1, 'float32', 2);
    const kernel = createGaussianKernel(0.5);
    const [x2, y2] = [x.reshape([4, 4]) as tf.Tensor2D, y.reshape([3, 4]) as tf.Tensor2D];
    const [a, b] = expectNoLeak(() => {
      const k1 = tf.tidy(() => kernel.matrix(kernel.embed(x), kernel.embed(y)));
      const k2 = gaussianKernel(x2, y2, 0.5);
      const out = [Array.from(k1.dataSync()), Array.from(k2.dataSync())];
      tf.dispose([k1, k2]);
      return out;
    }) as number[][];
    expect(a).toEqual(b);
    tf.dispose([x, y, x2, y2]);
  });

  it('rejects σ ≤ 0, a non-scalar σ and mismatched features', () => {
    const x = tf.zeros([2, 3]);
    expect(caught(() => gaussianKernel(x as tf.Tensor2D, x as tf.Tensor2D, 0)).message).toMatch(/Argument 'sigma' passed to 'gaussianKernel' must be > 0, got 0/);
    expect(caught(() => createGaussianKernel(-1)).code).toBe('OUT_OF_RANGE');
    const v = tf.ones([2]);
    expect(caught(() => gaussianKernel(x as tf.Tensor2D, x as tf.Tensor2D, v as tf.Scalar)).message).toMatch(/scalar tensor or a number, got a tensor of shape \[2\]/);
    const y = tf.zeros([2, 4]);
    expect(caught(() => gaussianKernel(x as tf.Tensor2D, y as tf.Tensor2D, 1)).code).toBe('SHAPE_MISMATCH');
    tf.dispose([x, v, y]);
  });
});
