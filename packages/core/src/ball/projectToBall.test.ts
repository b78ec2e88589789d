import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { projectToBall } from './projectToBall';

const arr = (t: tf.Tensor): number[] => Array.from(t.dataSync());

describeEachBackend('projectToBall', () => {
  it('linf clips each pixel of δ to [−eps, eps], then the image to [0,1]', () => {
    const out = expectNoLeak(() => tf.tidy(() => {
      const x = tf.tensor4d([0.5, 0.5, 0.95, 0.02], [1, 2, 2, 1]);
      const xAdv = tf.tensor4d([0.9, 0.45, 1.2, -0.5], [1, 2, 2, 1]);
      return arr(projectToBall(xAdv, x, 0.1, 'linf'));
    }));
    [0.6, 0.45, 1, 0].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
  });

  it('l2 scales δ per sample onto the sphere when outside, and leaves it when inside', () => {
    const out = expectNoLeak(() => tf.tidy(() => {
      const x = tf.fill([2, 1, 2, 1], 0.5) as tf.Tensor4D;
      // sample 0: δ = (0.3, 0.4), ‖δ‖ = 0.5 > 0.25 → halved; sample 1: δ = (0.03, 0.04), inside → kept
      const xAdv = tf.tensor4d([0.8, 0.9, 0.53, 0.54], [2, 1, 2, 1]);
      return arr(projectToBall(xAdv, x, 0.25, 'l2'));
    }));
    [0.65, 0.7, 0.53, 0.54].forEach((v, i) => expect(out[i]).toBeCloseTo(v, 6));
  });

  it('keeps the shape and eps = 0 returns x', () => {
    const [shape, same] = expectNoLeak(() => tf.tidy(() => {
      const x = tf.randomUniform([3, 4, 4, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
      const xAdv = tf.randomUniform([3, 4, 4, 2], -1, 2, 'float32', 2) as tf.Tensor4D;
      const p = projectToBall(xAdv, x, 0, 'l2');
      return [p.shape, tf.max(tf.abs(tf.sub(p, x))).dataSync()[0]];
    }));
    expect(shape).toEqual([3, 4, 4, 2]);
    expect(same).toBe(0);
  });
});

describeEachBackend('projectToBall input checks', () => {
  it('rejects bad tensors, shapes, eps and norm with a RobustError', () => {
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const other = tf.zeros([1, 2, 3, 1]) as tf.Tensor4D;
    expect(expectRobustError(() => projectToBall(other, x, 0.1, 'linf')).message).toMatch(/'xAdv' passed to 'projectToBall' must have the shape of 'x' \[1,2,2,1\], got \[1,2,3,1\]/);
    expect(expectRobustError(() => projectToBall(x, tf.zeros([2, 2]) as never, 0.1, 'linf')).message).toMatch(/'x' passed to 'projectToBall' must be a rank-4/);
    expect(expectRobustError(() => projectToBall(x, x, -1, 'linf')).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => projectToBall(x, x, Number.NaN, 'linf')).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => projectToBall(x, x, 0.1, 'l1' as never)).message).toMatch(/'norm' passed to 'projectToBall' must be one of 'linf', 'l2', got "l1"/);
    expect(expectRobustError(() => projectToBall(42 as never, x, 0.1, 'linf')).code).toBe('INVALID_ARGUMENT');
    tf.dispose([x, other]);
  });
});
