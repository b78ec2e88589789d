import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { ascentDirection } from './ascentDirection';
import { l2NormPerSample } from './l2NormPerSample';

describeEachBackend('ascentDirection and l2NormPerSample', () => {
  it('linf is the sign of the gradient (zero stays zero)', () => {
    const out = expectNoLeak(() => tf.tidy(() => Array.from(ascentDirection(tf.tensor4d([0.3, -2, 0, 1e-3], [1, 2, 2, 1]), 'linf').dataSync())));
    expect(out).toEqual([1, -1, 0, 1]);
  });

  it('l2 normalises each sample to unit norm (a zero sample stays zero)', () => {
    const [norms, first] = expectNoLeak(() => tf.tidy(() => {
      const g = tf.tensor4d([3, 4, 0, 0, 0, 0, 0, 2], [2, 2, 2, 1]);
      const d = ascentDirection(g, 'l2');
      return [Array.from(l2NormPerSample(d).dataSync()), Array.from(d.dataSync()).slice(0, 2)];
    }));
    expect(norms[0]).toBeCloseTo(1, 6);
    expect(norms[1]).toBeCloseTo(1, 6);
    expect(first[0]).toBeCloseTo(0.6, 6);
    expect(first[1]).toBeCloseTo(0.8, 6);
    const zero = expectNoLeak(() => tf.tidy(() => Array.from(ascentDirection(tf.zeros([1, 2, 2, 1]) as tf.Tensor4D, 'l2').dataSync())));
    expect(zero).toEqual([0, 0, 0, 0]);
  });

  it('l2NormPerSample maps [N,H,W,C] to [N,1,1,1]', () => {
    const [shape, values] = expectNoLeak(() => tf.tidy(() => {
      const n = l2NormPerSample(tf.tensor4d([3, 4, 0, 0, 1, 1, 1, 1], [2, 2, 2, 1]));
      return [n.shape, Array.from(n.dataSync())];
    }));
    expect(shape).toEqual([2, 1, 1, 1]);
    expect(values[0]).toBeCloseTo(5, 6);
    expect(values[1]).toBeCloseTo(2, 6);
  });
});

describeEachBackend('ascentDirection input checks', () => {
  it('rejects a non-rank-4 gradient, a non-tensor and an unknown norm', () => {
    const g = tf.zeros([2, 2]);
    expect(expectRobustError(() => ascentDirection(g as never, 'linf')).message).toMatch(/'g' passed to 'ascentDirection' must be a rank-4 \[N,H,W,C\] float32 tensor, got a float32 tensor of shape \[2,2\]/);
    expect(expectRobustError(() => l2NormPerSample([1, 2] as never)).code).toBe('INVALID_ARGUMENT');
    const g4 = tf.zeros([1, 1, 1, 1]) as tf.Tensor4D;
    expect(expectRobustError(() => ascentDirection(g4, 'L2' as never)).message).toMatch(/'norm' passed to 'ascentDirection' must be one of 'linf', 'l2', got "L2"/);
    g4.dispose();
    expect(expectRobustError(() => ascentDirection(g4, 'linf')).message).toMatch(/a disposed tensor/);
    g.dispose();
  });
});
