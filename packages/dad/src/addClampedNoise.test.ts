import * as tf from '@tensorflow/tfjs';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { expect, it } from 'vitest';
import { useWasm } from '../test/fixtures';
import { addClampedNoise } from './index';

useWasm();

it('adds clip(std·z, 0, 1) and clips to [0,1]: negative draws add nothing', () => {
  const x = tf.tensor4d([0.5, 0.5, 0.9, 0.0], [1, 2, 2, 1]);
  const noise = tf.tensor4d([-1, 2, 2, 8], [1, 2, 2, 1]);
  const out = expectNoLeak(() => tf.tidy(() => Array.from(addClampedNoise(x as tf.Tensor4D, { noise, std: 0.25 }).dataSync())));
  expect(out[0]).toBeCloseTo(0.5, 6);
  expect(out[1]).toBeCloseTo(1.0, 6);
  expect(out[2]).toBeCloseTo(1.0, 6);
  expect(out[3]).toBeCloseTo(1.0, 6);
  tf.dispose([x, noise]);
});

it('is seeded, non-negative and stays in [0,1]', () => {
  const x = tf.randomUniform([4, 5, 5, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const [a, b, lo, hi] = tf.tidy(() => {
    const n1 = addClampedNoise(x, { seed: 3 });
    const n2 = addClampedNoise(x, { seed: 3 });
    return [tf.max(tf.abs(tf.sub(n1, n2))), tf.min(tf.sub(n1, x)), tf.min(n1), tf.max(n1)].map((t) => t.dataSync()[0] as number);
  }) as number[];
  expect(a).toBe(0);
  expect(b).toBeGreaterThanOrEqual(0);
  expect(lo).toBeGreaterThanOrEqual(0);
  expect(hi).toBeLessThanOrEqual(1);
  expect(expectRobustError(() => addClampedNoise(x, { seed: 1, noise: x })).code).toBe('INVALID_ARGUMENT');
  expect(expectRobustError(() => addClampedNoise(x, { std: -1 })).code).toBe('OUT_OF_RANGE');
  x.dispose();
});

it('rejects images outside [0,1] (#24)', () => {
  const x = tf.fill([1, 2, 2, 1], 2) as tf.Tensor4D;
  const e = expectRobustError(() => addClampedNoise(x, { seed: 1 }));
  expect(e.code).toBe('OUT_OF_RANGE');
  expect(e.message).toMatch(/'x'.*addClampedNoise/);
  x.dispose();
});
