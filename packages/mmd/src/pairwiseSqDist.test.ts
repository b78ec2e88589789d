import * as tf from '@tensorflow/tfjs';
import { describeEachBackend, expectNoLeak, relativeError } from '@robustjs/test-utils';
import { expect, it } from 'vitest';
import { caught } from '../test/helpers';
import { randn, sqDist64 } from '../test/reference64';
import { pairwiseSqDist } from './pairwiseSqDist';

describeEachBackend('pairwiseSqDist', () => {
  it.each([[5, 7, 3], [40, 30, 16], [1, 9, 64]])('matches a float64 loop for Nx=%i, Ny=%i, D=%i, without leaking', (nx, ny, d) => {
    const xa = randn(nx, d, 1);
    const ya = randn(ny, d, 2, 0.5);
    const [x, y] = [tf.tensor2d(xa), tf.tensor2d(ya)];
    const got = expectNoLeak(() => {
      const out = pairwiseSqDist(x, y);
      expect(out.shape).toEqual([nx, ny]);
      const v = Array.from(out.dataSync());
      out.dispose();
      return v;
    });
    tf.dispose([x, y]);
    expect(relativeError(got, sqDist64(xa, ya).flat())).toBeLessThan(1e-5);
  });

  it('is never negative, zero on identical rows, and keeps its precision far from the origin', () => {
    const xa = randn(20, 8, 3).map((r) => r.map((v) => Math.fround(v + 1000)));
    const x = tf.tensor2d(xa);
    const d = pairwiseSqDist(x, x);
    const v = d.dataSync();
    expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
    for (let i = 0; i < 20; i++) expect(v[i * 20 + i]).toBeLessThan(1e-3);
    expect(relativeError(Array.from(v), sqDist64(xa, xa).flat())).toBeLessThan(1e-4); // naive float32 ‖x‖²+‖y‖²−2xy loses ~all digits here
    tf.dispose([x, d]);
  });

  it('is differentiable: d/dx Σ_ij D_ij = 2 (Ny x_i − Σ_j y_j)', () => {
    const x = tf.tensor2d(randn(4, 3, 4));
    const y = tf.tensor2d(randn(6, 3, 5));
    const g = tf.grad((a: tf.Tensor) => tf.sum(pairwiseSqDist(a as tf.Tensor2D, y)))(x);
    const expected = tf.tidy(() => tf.mul(tf.sub(tf.mul(x, 6), tf.sum(y, 0)), 2));
    expect(relativeError(g.dataSync(), expected.dataSync())).toBeLessThan(1e-4);
    tf.dispose([x, y, g, expected]);
  });

  it('rejects different feature sizes, rank-1 input, NaN and empty sets with RobustErrors', () => {
    const a = tf.zeros([3, 4]);
    const b = tf.zeros([3, 5]);
    const e = caught(() => pairwiseSqDist(a as tf.Tensor2D, b as tf.Tensor2D));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/Arguments 'x' and 'y' passed to 'pairwiseSqDist' must have the same per-sample shape.*\[3,4\] and \[3,5\]/);
    const r1 = tf.zeros([3]);
    expect(caught(() => pairwiseSqDist(r1 as tf.Tensor2D, a as tf.Tensor2D)).message).toMatch(/rank-2 \[N,D\].*got rank 1.*reshape\(\[-1, 1\]\)/);
    const nan = tf.tensor2d([[0, NaN, 0, 0]]);
    const err = caught(() => pairwiseSqDist(nan as tf.Tensor2D, a as tf.Tensor2D));
    expect(err.code).toBe('NOT_FINITE');
    expect(err.message).toMatch(/Argument 'x' passed to 'pairwiseSqDist' must be finite, got 1 NaN/);
    const empty = tf.zeros([0, 4]);
    expect(caught(() => pairwiseSqDist(empty as tf.Tensor2D, a as tf.Tensor2D)).code).toBe('EMPTY_INPUT');
    tf.dispose([a, b, r1, nan, empty]);
  });
});
