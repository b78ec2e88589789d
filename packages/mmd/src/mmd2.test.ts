import * as tf from '@tensorflow/tfjs';
import { expectNoLeak } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { caught, rel, take, useWasm } from '../test/helpers';
import { CASES, gaussian64, median64, mmd2b64, mmd2u64, randn, sqDist64 } from '../test/reference64';
import { createGaussianKernel } from './gaussianKernel';
import { kernelMatrices } from './kernelMatrices';
import { MMD2_ESTIMATORS, mmd2Biased, mmd2Unbiased } from './mmd2';

useWasm();

function setup(nx: number, ny: number, d: number, shift: number, seed: number) {
  const xa = randn(nx, d, seed);
  const ya = randn(ny, d, seed + 1000, shift);
  const sigma = median64(sqDist64(xa, ya).flat());
  const [x, y] = [tf.tensor2d(xa), tf.tensor2d(ya)];
  const m = kernelMatrices(createGaussianKernel(sigma), x, y);
  tf.dispose([x, y]);
  const ref = [gaussian64(xa, xa, sigma), gaussian64(ya, ya, sigma), gaussian64(xa, ya, sigma)] as const;
  return { ...m, ref, dispose: () => tf.dispose([m.kxx, m.kyy, m.kxy]) };
}

describe('mmd2Unbiased and mmd2Biased', () => {
  it.each(CASES)('equal a float64 loop to 1e-5 relative (n=%i, d=%i, shift %f)', (n, d, shift) => {
    const s = setup(n, n, d, shift, n + d);
    const [u, b] = expectNoLeak(() => [take(mmd2Unbiased(s.kxx, s.kyy, s.kxy)), take(mmd2Biased(s.kxx, s.kyy, s.kxy))]);
    const ru = rel(u as number, mmd2u64(...s.ref));
    const rb = rel(b as number, mmd2b64(...s.ref));
    console.log(`[acceptance] n=${n} d=${d} shift=${shift}: MMD²_u ${u} rel.err ${ru.toExponential(2)}, MMD²_b ${b} rel.err ${rb.toExponential(2)}`);
    expect(ru).toBeLessThan(1e-5);
    expect(rb).toBeLessThan(1e-5);
    s.dispose();
  });

  it('mmd2Biased accepts unequal sample sizes and equals the float64 loop', () => {
    const s = setup(30, 45, 5, 0.5, 7);
    expect(rel(take(mmd2Biased(s.kxx, s.kyy, s.kxy)), mmd2b64(...s.ref))).toBeLessThan(1e-5);
    s.dispose();
  });

  it('is differentiable and MMD2_ESTIMATORS dispatches to the same numbers', () => {
    const x = tf.randomNormal([8, 3], 0, 1, 'float32', 1);
    const y = tf.randomNormal([8, 3], 1, 1, 'float32', 2);
    const kernel = createGaussianKernel(3);
    const g = tf.grad((v: tf.Tensor) => {
      const { kxx, kyy, kxy } = kernelMatrices(kernel, x, v);
      return mmd2Unbiased(kxx, kyy, kxy);
    })(y);
    expect(Number.isFinite(g.sum().dataSync()[0])).toBe(true);
    expect(g.abs().sum().dataSync()[0]).toBeGreaterThan(0);
    const { kxx, kyy, kxy } = kernelMatrices(kernel, x, y);
    expect(take(tf.tidy(() => MMD2_ESTIMATORS.unbiased(kxx, kyy, kxy)))).toBe(take(mmd2Unbiased(kxx, kyy, kxy)));
    expect(take(tf.tidy(() => MMD2_ESTIMATORS.biased(kxx, kyy, kxy)))).toBe(take(mmd2Biased(kxx, kyy, kxy)));
    tf.dispose([x, y, g, kxx, kyy, kxy]);
  });

  it('rejects n < 2, unequal sizes, NaN and mismatched shapes with RobustErrors naming the function', () => {
    const one = tf.ones([1, 1]);
    const e1 = caught(() => mmd2Unbiased(one as tf.Tensor2D, one as tf.Tensor2D, one as tf.Tensor2D));
    expect(e1.code).toBe('INVALID_ARGUMENT');
    expect(e1.message).toMatch(/'mmd2Unbiased' must come from samples of at least n = 2, got n = 1: the unbiased estimator divides by n\(n−1\)/);
    const [a, b, ab] = [tf.ones([3, 3]), tf.ones([4, 4]), tf.ones([3, 4])];
    const e2 = caught(() => mmd2Unbiased(a as tf.Tensor2D, b as tf.Tensor2D, ab as tf.Tensor2D));
    expect(e2.code).toBe('SHAPE_MISMATCH');
    expect(e2.message).toMatch(/equal size n.*got Nx = 3 and Ny = 4.*use mmd2Biased/);
    expect(caught(() => mmd2Biased(a as tf.Tensor2D, b as tf.Tensor2D, a as tf.Tensor2D)).message).toMatch(/must be kxx \[Nx,Nx\], kyy \[Ny,Ny\] and kxy \[Nx,Ny\], got \[3,3\], \[4,4\] and \[3,3\]/);
    const nan = tf.tensor2d([[1, NaN], [0, 1]]);
    const two = tf.ones([2, 2]);
    const e3 = caught(() => mmd2Biased(two as tf.Tensor2D, two as tf.Tensor2D, nan as tf.Tensor2D));
    expect(e3.code).toBe('NOT_FINITE');
    expect(e3.message).toMatch(/Argument 'kxy' passed to 'mmd2Biased' must be finite, got 1 NaN/);
    tf.dispose([one, a, b, ab, nan, two]);
  });
});
