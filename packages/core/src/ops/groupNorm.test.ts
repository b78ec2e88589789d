import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError as caught, relativeError } from '@robustjs/test-utils';
import { GROUP_NORM_KERNEL, groupNorm, groupNormIsFused } from './groupNorm';

/** Plain-JS group norm of NHWC data in float64 (the independent reference). */
function reference(x: Float32Array, [n, h, w, c]: [number, number, number, number], gamma: Float32Array, beta: Float32Array, groups: number, eps: number, silu: boolean): Float64Array {
  const out = new Float64Array(x.length);
  const cg = c / groups;
  for (let i = 0; i < n; i++) {
    for (let g = 0; g < groups; g++) {
      const idx: number[] = [];
      for (let p = 0; p < h * w; p++) for (let j = 0; j < cg; j++) idx.push((i * h * w + p) * c + g * cg + j);
      const mean = idx.reduce((s, k) => s + x[k]!, 0) / idx.length;
      const v = idx.reduce((s, k) => s + (x[k]! - mean) ** 2, 0) / idx.length;
      for (const k of idx) {
        const ch = k % c;
        const a = ((x[k]! - mean) / Math.sqrt(v + eps)) * gamma[ch]! + beta[ch]!;
        out[k] = silu ? a / (1 + Math.exp(-a)) : a;
      }
    }
  }
  return out;
}

function data(size: number, seed: number, offset = 0): Float32Array {
  let s = seed;
  return Float32Array.from({ length: size }, () => {
    s = (s * 16807) % 2147483647;
    return (s / 2147483647) * 4 - 2 + offset;
  });
}

describeEachBackend('groupNorm', () => {
  it.each([
    [[2, 3, 5, 6], 3, false, 1e-5, 0],
    [[1, 4, 4, 8], 8, true, 1e-5, 3],
    [[3, 1, 1, 4], 1, true, 1e-3, 0],
    [[2, 7, 3, 12], 4, false, 1e-5, -5],
  ] as const)('shape %j groups %i silu %s eps %f offset %f: equals the float64 reference to 1e-5', (shape, groups, silu, eps, offset) => {
    const c = shape[3];
    const size = (shape as readonly number[]).reduce((a, b) => a * b, 1);
    const xv = data(size, 7, offset);
    const gv = data(c, 11);
    const bv = data(c, 13);
    const got = expectNoLeak(() => tf.tidy(() => {
      const y = groupNorm(tf.tensor4d(xv, [...shape]), tf.tensor1d(gv), tf.tensor1d(bv), groups, { eps, activation: silu ? 'silu' : 'linear' });
      expect(y.shape).toEqual(shape);
      return y.dataSync().slice();
    }));
    expect(relativeError(got, reference(xv, [...shape] as [number, number, number, number], gv, bv, groups, eps, silu))).toBeLessThan(1e-5);
  });

  it('gradients for x, gamma and beta match central differences', () => {
    const shape = [2, 3, 2, 4] as const;
    const xv = data(48, 3);
    const gv = data(4, 5);
    const bv = data(4, 9);
    const dy = data(48, 17);
    const loss = (x: Float32Array, g: Float32Array, b: Float32Array): number =>
      reference(x, [...shape], g, b, 2, 1e-5, true).reduce((s, v, i) => s + v * dy[i]!, 0);
    const grads = expectNoLeak(() => tf.tidy(() => tf.grads((x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(groupNorm(x as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, 2, { activation: 'silu' }), tf.tensor4d(dy, [...shape]))))(
      [tf.tensor4d(xv, [...shape]), tf.tensor1d(gv), tf.tensor1d(bv)]).map((t) => t.dataSync().slice())));
    const h = 1e-3;
    [xv, gv, bv].forEach((arr, which) => {
      const numeric = Array.from(arr, (_, k) => {
        const plus = [xv, gv, bv].map((a) => Float32Array.from(a));
        const minus = [xv, gv, bv].map((a) => Float32Array.from(a));
        plus[which]![k]! += h;
        minus[which]![k]! -= h;
        return (loss(plus[0]!, plus[1]!, plus[2]!) - loss(minus[0]!, minus[1]!, minus[2]!)) / (2 * h);
      });
      expect(relativeError(grads[which]!, numeric), `input ${which}`).toBeLessThan(2e-3);
    });
  });

  it('rejects bad input before any work', () => {
    const x = tf.zeros([1, 2, 2, 4]);
    const g = tf.ones([4]) as tf.Tensor1D;
    const b = tf.zeros([4]) as tf.Tensor1D;
    const [x2, g3, bInt] = [tf.zeros([2, 4]), tf.ones([3]), tf.zeros([4], 'int32')];
    const before = tf.memory().numTensors;
    expect(caught(() => groupNorm(x2 as unknown as tf.Tensor4D, g, b, 2)).message).toMatch(/'x' passed to 'groupNorm' must be a float32 tensor \[N,H,W,C\], got float32 \[2,4\]/);
    expect(caught(() => groupNorm(x as tf.Tensor4D, g3 as tf.Tensor1D, b, 2)).message).toMatch(/'gamma' .* must be a float32 tensor of shape \[4\].*got float32 \[3\]/);
    expect(caught(() => groupNorm(x as tf.Tensor4D, g, bInt as tf.Tensor1D, 2)).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => groupNorm(x as tf.Tensor4D, g, b, 3)).message).toMatch(/'groups' .* must divide the channel count 4, got 3/);
    expect(caught(() => groupNorm(x as tf.Tensor4D, g, b, 0)).code).toBe('OUT_OF_RANGE');
    expect(caught(() => groupNorm(x as tf.Tensor4D, g, b, 2, { eps: 0 })).code).toBe('OUT_OF_RANGE');
    expect(caught(() => groupNorm(x as tf.Tensor4D, g, b, 2, { activation: 'relu' as 'silu' })).message).toMatch(/'linear' or 'silu', got "relu"/);
    expect(caught(() => groupNorm(x as tf.Tensor4D, g, b, 2, { epsilon: 1 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, g, b, x2, g3, bInt]);
  });
});

describe('groupNorm dispatch', () => {
  it('uses the tfjs ops when no fused kernel is registered (core alone)', () => {
    expect(tf.getKernel(GROUP_NORM_KERNEL, tf.getBackend())).toBeUndefined();
    expect(groupNormIsFused()).toBe(false);
  });
});
