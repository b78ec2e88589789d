import * as tf from '@tensorflow/tfjs';
import { expectNoLeak } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { caught, useWasm } from '../test/helpers';
import { median64, randn, sqDist64 } from '../test/reference64';
import { medianOfSorted, medianSqDist } from './medianSqDist';

useWasm();

describe('medianSqDist', () => {
  it('equals the float64 median of the cross distances (odd and even counts)', () => {
    for (const [nx, ny] of [[7, 9], [10, 12]] as const) {
      const xa = randn(nx, 5, nx);
      const ya = randn(ny, 5, ny, 0.3);
      const [x, y] = [tf.tensor2d(xa), tf.tensor2d(ya)];
      const got = expectNoLeak(() => medianSqDist(x, y));
      tf.dispose([x, y]);
      expect(Math.abs(got - median64(sqDist64(xa, ya).flat())) / got).toBeLessThan(1e-5);
    }
  });

  it('uses only the first maxSamples rows', () => {
    const xa = randn(30, 4, 1);
    const ya = randn(30, 4, 2);
    const got = medianSqDist(tf.tensor2d(xa), tf.tensor2d(ya), { maxSamples: 10 });
    expect(Math.abs(got - median64(sqDist64(xa.slice(0, 10), ya.slice(0, 10)).flat())) / got).toBeLessThan(1e-5);
  });

  it('medianOfSorted takes the middle value or the mean of the middle pair', () => {
    expect(medianOfSorted([1, 2, 10])).toBe(2);
    expect(medianOfSorted([1, 2, 4, 10])).toBe(3);
  });

  it('rejects unknown options and bad maxSamples', () => {
    const x = tf.zeros([2, 2]);
    expect(caught(() => medianSqDist(x as tf.Tensor2D, x as tf.Tensor2D, { maxSample: 3 } as never)).message)
      .toBe("Unknown option 'maxSample' passed to 'medianSqDist'. Valid options: maxSamples.");
    expect(caught(() => medianSqDist(x as tf.Tensor2D, x as tf.Tensor2D, { maxSamples: 0 })).code).toBe('OUT_OF_RANGE');
    x.dispose();
  });
});
