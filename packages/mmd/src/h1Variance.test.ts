import * as tf from '@tensorflow/tfjs';
import { expectNoLeak } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { caught, rel, take, useWasm } from '../test/helpers';
import { CASES, gaussian64, median64, randn, sqDist64, var64 } from '../test/reference64';
import { createGaussianKernel } from './gaussianKernel';
import { h1Variance } from './h1Variance';
import { kernelMatrices } from './kernelMatrices';

useWasm();

describe('h1Variance', () => {
  it.each(CASES)('equals 4(V1 − V2²) from a float64 loop to 1e-5 relative (n=%i, d=%i, shift %f)', (n, d, shift) => {
    const xa = randn(n, d, n + d);
    const ya = randn(n, d, n + d + 1000, shift);
    const sigma = median64(sqDist64(xa, ya).flat());
    const [x, y] = [tf.tensor2d(xa), tf.tensor2d(ya)];
    const { kxx, kyy, kxy } = kernelMatrices(createGaussianKernel(sigma), x, y);
    const v = expectNoLeak(() => take(h1Variance(kxx, kyy, kxy)));
    const ref = var64(gaussian64(xa, xa, sigma), gaussian64(ya, ya, sigma), gaussian64(xa, ya, sigma));
    console.log(`[acceptance] n=${n} d=${d} shift=${shift}: σ²_H1 ${v} rel.err ${rel(v, ref).toExponential(2)}`);
    expect(rel(v, ref)).toBeLessThan(1e-5);
    expect(v).toBeGreaterThanOrEqual(0);
    tf.dispose([x, y, kxx, kyy, kxy]);
  });

  it('rejects unequal sample sizes and n < 2', () => {
    const [a, b, ab, one] = [tf.ones([2, 2]), tf.ones([3, 3]), tf.ones([2, 3]), tf.ones([1, 1])];
    expect(caught(() => h1Variance(a as tf.Tensor2D, b as tf.Tensor2D, ab as tf.Tensor2D)).message).toMatch(/'h1Variance'.*equal size n/);
    expect(caught(() => h1Variance(one as tf.Tensor2D, one as tf.Tensor2D, one as tf.Tensor2D)).message).toMatch(/at least n = 2/);
    tf.dispose([a, b, ab, one]);
  });
});
