import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { untaped } from './untaped';

describeEachBackend('untaped', () => {
  it('returns f(x) and a zero gradient, even for a non-differentiable f that reads data', () => {
    const [value, grad] = expectNoLeak(() => tf.tidy(() => {
      const x = tf.tensor4d([1, -2, 3, -4], [1, 2, 2, 1]);
      // round has no useful gradient and dataSync cannot be differentiated: fine off the tape
      const f = untaped((v: tf.Tensor4D) => tf.mul(tf.round(tf.mul(v, 1.4)), tf.max(v).dataSync()[0]!) as tf.Tensor4D);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.add(v, f(v as tf.Tensor4D))))(x);
      return [Array.from(f(x).dataSync()), Array.from(g.dataSync())];
    }));
    expect(value).toEqual([3, -9, 12, -18]);
    expect(grad).toEqual([1, 1, 1, 1]); // only the taped `v` term contributes
  });

  it('keeps the output type and shape of f (rank may change)', () => {
    const shape = expectNoLeak(() => tf.tidy(() => untaped((v: tf.Tensor4D) => tf.sum(v, [1, 2, 3]) as tf.Tensor1D)(tf.ones([3, 2, 2, 1]) as tf.Tensor4D).shape));
    expect(shape).toEqual([3]);
  });

  it('rejects a non-function with a RobustError', () => {
    expect(expectRobustError(() => untaped(42 as never)).message).toMatch(/'f' passed to 'untaped' must be a function/);
  });
});
