import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak } from '@robustjs/test-utils';
import { RobustError } from './errors';
import { gaussianNoise, seedStream } from './random';

describe('seedStream', () => {
  it('is repeatable: the same seed gives the same sequence', () => {
    const a = seedStream(42);
    const b = seedStream(42);
    const sa = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(sa);
    expect(new Set(sa).size).toBe(5);
    for (const s of sa) expect(s >= 0 && s < 2 ** 31 && Number.isInteger(s)).toBe(true);
  });

  it('differs across seeds and forks independently by label', () => {
    expect(seedStream(1).next()).not.toBe(seedStream(2).next());
    const f1 = seedStream(7).fork('eot').next();
    expect(seedStream(7).fork('eot').next()).toBe(f1);
    expect(seedStream(7).fork('restart').next()).not.toBe(f1);
  });

  it('rejects non-integer seeds', () => {
    expect(() => seedStream(1.5)).toThrow(RobustError);
    expect(() => seedStream(Number.NaN)).toThrow(/must be an integer, got NaN/);
  });
});

describeEachBackend('gaussianNoise', () => {
  it('is repeatable under a seed on the same backend', () => {
    const [a, b] = expectNoLeak(() => {
      const x = gaussianNoise([3, 4], { seed: 9 }, 'test');
      const y = gaussianNoise([3, 4], { seed: 9 }, 'test');
      const out = [Array.from(x.dataSync()), Array.from(y.dataSync())];
      tf.dispose([x, y]);
      return out;
    });
    expect(a).toEqual(b);
    expect(a).toHaveLength(12);
  });

  it('returns explicit noise as is and rejects seed + noise together', () => {
    const noise = tf.ones([2, 2]);
    expect(gaussianNoise([2, 2], { noise }, 'qSample')).toBe(noise);
    expect(() => gaussianNoise([2, 2], { noise, seed: 1 }, 'qSample')).toThrow(/'seed' and 'noise' passed to 'qSample' are exclusive/);
    expect(() => gaussianNoise([2, 3], { noise }, 'qSample')).toThrow(/must have shape \[2,3\], got \[2,2\]/);
    noise.dispose();
  });
});
