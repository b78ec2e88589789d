import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { bpdaIdentity } from './bpdaIdentity';

const quantise = (v: tf.Tensor4D): tf.Tensor4D => tf.div(tf.round(tf.mul(v, 4)), 4) as tf.Tensor4D;

describeEachBackend('bpdaIdentity', () => {
  it('has forward values and passes the upstream gradient through unchanged', () => {
    const [value, grad, expected] = expectNoLeak(() => tf.tidy(() => {
      const x = tf.tensor4d([0.1, 0.4, 0.6, 0.9], [1, 2, 2, 1]);
      const w = tf.tensor4d([1, -2, 3, 0.5], [1, 2, 2, 1]);
      const q = bpdaIdentity(quantise);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.square(q(v as tf.Tensor4D)), w)))(x);
      // d/dv Σ w·q(v)² with dq/dv := 1 is 2·w·q(v)
      return [Array.from(q(x).dataSync()), Array.from(g.dataSync()), Array.from(tf.mul(tf.mul(2, w), quantise(x)).dataSync())];
    }));
    expect(value).toEqual([0, 0.5, 0.5, 1]);
    expect(grad).toEqual(expected);
  });

  it('rejects a non-function, and a forward that changes the shape at call time', () => {
    expect(expectRobustError(() => bpdaIdentity('round' as never)).code).toBe('INVALID_ARGUMENT');
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const bad = bpdaIdentity((v: tf.Tensor4D) => tf.slice(v, [0, 0, 0, 0], [1, 1, 1, 1]));
    const e = expectRobustError(() => tf.tidy(() => bad(x)));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/'forward' passed to 'bpdaIdentity' must return a tensor of its input's shape \[1,2,2,1\], got \[1,1,1,1\]/);
    x.dispose();
  });
});
