import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { seedStream } from '../random';
import { randomStartInBall } from './randomStartInBall';

const x4 = (): tf.Tensor4D => tf.randomUniform([4, 5, 5, 2], 0, 1, 'float32', 3) as tf.Tensor4D;

describeEachBackend('randomStartInBall', () => {
  it('stays inside the ball and [0,1], keeps the shape, and is repeatable under a seed', () => {
    for (const [norm, eps] of [['linf', 0.1], ['l2', 0.5]] as const) {
      const [shape, dist, lo, hi, again, other] = expectNoLeak(() => tf.tidy(() => {
        const x = x4();
        const a = randomStartInBall(x, eps, norm, 7);
        const d = tf.reshape(tf.sub(a, x), [4, -1]); // [N,D]
        const per = norm === 'linf' ? tf.max(tf.abs(d), 1) : tf.sqrt(tf.sum(tf.square(d), 1));
        const diff = (b: tf.Tensor) => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0];
        return [a.shape, tf.max(per).dataSync()[0], tf.min(a).dataSync()[0], tf.max(a).dataSync()[0],
          diff(randomStartInBall(x, eps, norm, 7)), diff(randomStartInBall(x, eps, norm, 8))];
      }));
      expect(shape).toEqual([4, 5, 5, 2]);
      expect(dist).toBeLessThanOrEqual(eps + 1e-6);
      expect(dist).toBeGreaterThan(0);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(again).toBe(0);
      expect(other).toBeGreaterThan(0);
    }
  });

  it('linf draws δ ~ U(−eps, eps) from the first of two seeds, then projects', () => {
    const [got, want] = expectNoLeak(() => tf.tidy(() => {
      const x = x4();
      const s1 = seedStream(5).nextSeed();
      const expected = tf.clipByValue(tf.add(x, tf.clipByValue(tf.sub(tf.add(x, tf.randomUniform(x.shape, -0.1, 0.1, 'float32', s1)), x), -0.1, 0.1)), 0, 1);
      return [Array.from(randomStartInBall(x, 0.1, 'linf', 5).dataSync()), Array.from(expected.dataSync())];
    }));
    expect(got).toEqual(want);
  });

  it('takes exactly two seeds from a given stream, for both norms: a number equals a fresh stream', () => {
    for (const norm of ['linf', 'l2'] as const) {
      const stream = seedStream(11);
      const fresh = seedStream(11);
      const [same] = expectNoLeak(() => tf.tidy(() => {
        const x = x4();
        return [tf.max(tf.abs(tf.sub(randomStartInBall(x, 0.3, norm, stream), randomStartInBall(x, 0.3, norm, 11)))).dataSync()[0]];
      }));
      expect(same).toBe(0);
      fresh.next();
      fresh.next();
      expect(stream.next()).toBe(fresh.next());
    }
  });
});

describeEachBackend('randomStartInBall input checks', () => {
  it('rejects bad images, eps, norm and seed with a RobustError', () => {
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(expectRobustError(() => randomStartInBall(x, 0.1, 'linf', 1.5)).message).toMatch(/'seed' passed to 'randomStartInBall' must be an integer or a SeedStream/);
    expect(expectRobustError(() => randomStartInBall(x, 0.1, 'linf', {} as never)).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => randomStartInBall(x, -0.1, 'linf', 1)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => randomStartInBall(x, 0.1, 'l0' as never, 1)).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => randomStartInBall(tf.zeros([2, 2]) as never, 0.1, 'linf', 1)).code).toBe('INVALID_ARGUMENT');
    x.dispose();
  });
});
