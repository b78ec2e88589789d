import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError as caught, relativeError } from '@robustjs/test-utils';
import { GAUSSIAN_GRAM_KERNEL, gaussianGram, gaussianGramIsFused } from './gaussianGram';

function data(size: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: size }, () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 2 - 1;
  });
}

/** exp(−‖a_i − b_j‖²/σ) in float64 from the rows themselves (independent of the Gram form). */
function reference(a: Float32Array, b: Float32Array, n: number, m: number, dim: number, sigma: number): Float64Array {
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let d = 0;
      for (let k = 0; k < dim; k++) d += (a[i * dim + k]! - b[j * dim + k]!) ** 2;
      out[i * m + j] = Math.exp(-d / sigma);
    }
  }
  return out;
}

/** gaussianGram from the rows: gram = a·bᵀ, xx, yy. */
function fromRows(a: tf.Tensor2D, b: tf.Tensor2D, sigma: number | tf.Scalar): tf.Tensor2D {
  return gaussianGram(tf.matMul(a, b, false, true), tf.sum(tf.square(a), 1), tf.sum(tf.square(b), 1), sigma);
}

describeEachBackend('gaussianGram', () => {
  it.each([[5, 7, 3, 2], [1, 4, 8, 0.5], [6, 6, 16, 10]] as const)('n %i m %i d %i sigma %f: equals exp(−‖a−b‖²/σ) to 1e-5', (n, m, dim, sigma) => {
    const av = data(n * dim, 3);
    const bv = data(m * dim, 5);
    const got = expectNoLeak(() => tf.tidy(() => {
      const k = fromRows(tf.tensor2d(av, [n, dim]), tf.tensor2d(bv, [m, dim]), sigma);
      expect(k.shape).toEqual([n, m]);
      return k.dataSync().slice();
    }));
    expect(relativeError(got, reference(av, bv, n, m, dim, sigma))).toBeLessThan(1e-5);
  });

  it('identical rows give exactly 1 (the clamped distance), and gradients match central differences', () => {
    const av = data(4 * 3, 7);
    const diag = expectNoLeak(() => tf.tidy(() => { const a = tf.tensor2d(av, [4, 3]); return fromRows(a, a, 1.5).dataSync().slice(); }));
    for (let i = 0; i < 4; i++) expect(diag[i * 5]).toBeCloseTo(1, 5);
    const bv = data(5 * 3, 11);
    const dk = data(20, 13);
    const loss = (a: Float32Array, b: Float32Array, s: number): number => reference(a, b, 4, 5, 3, s).reduce((acc, v, i) => acc + v * dk[i]!, 0);
    const grads = expectNoLeak(() => tf.tidy(() => tf.grads((a: tf.Tensor, b: tf.Tensor, s: tf.Tensor) =>
      tf.sum(tf.mul(fromRows(a as tf.Tensor2D, b as tf.Tensor2D, s as tf.Scalar), tf.tensor2d(dk, [4, 5]))))(
      [tf.tensor2d(av, [4, 3]), tf.tensor2d(bv, [5, 3]), tf.scalar(1.5)]).map((t) => t.dataSync().slice())));
    const h = 1e-3;
    const numeric = (which: number): number[] => {
      const arr = which === 0 ? av : which === 1 ? bv : Float32Array.of(1.5);
      return Array.from(arr, (_, k) => {
        const p = Float32Array.from(arr);
        const q = Float32Array.from(arr);
        p[k]! += h;
        q[k]! -= h;
        const f = (v: Float32Array) => loss(which === 0 ? v : av, which === 1 ? v : bv, which === 2 ? v[0]! : 1.5);
        return (f(p) - f(q)) / (2 * h);
      });
    };
    for (const which of [0, 1, 2]) expect(relativeError(grads[which]!, numeric(which)), `input ${which}`).toBeLessThan(2e-3);
  });

  it('rejects bad input before any work', () => {
    const g = tf.zeros([2, 3]) as tf.Tensor2D;
    const xx = tf.zeros([2]) as tf.Tensor1D;
    const yy = tf.zeros([3]) as tf.Tensor1D;
    const [v, yy2, s1] = [tf.zeros([6]), tf.zeros([2]), tf.ones([1])];
    const before = tf.memory().numTensors;
    expect(caught(() => gaussianGram(v as unknown as tf.Tensor2D, xx, yy, 1)).message).toMatch(/'gram' passed to 'gaussianGram' must be a float32 matrix \[n,m\], got float32 \[6\]/);
    expect(caught(() => gaussianGram(g, xx, yy2 as tf.Tensor1D, 1)).message).toMatch(/'yy' .* must be float32 \[3\].*got float32 \[2\]/);
    expect(caught(() => gaussianGram(g, xx, yy, 0)).code).toBe('OUT_OF_RANGE');
    expect(caught(() => gaussianGram(g, xx, yy, s1 as tf.Scalar)).message).toMatch(/'sigma' .* scalar tensor, got float32 \[1\]/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([g, xx, yy, v, yy2, s1]);
  });
});

describe('gaussianGram dispatch', () => {
  it('uses the tfjs ops when no fused kernel is registered (core alone)', () => {
    expect(tf.getKernel(GAUSSIAN_GRAM_KERNEL, tf.getBackend())).toBeUndefined();
    expect(gaussianGramIsFused()).toBe(false);
  });
});
