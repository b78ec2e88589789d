import * as tf from '@tensorflow/tfjs';
import { describeEachBackend, expectNoLeak, relativeError } from '@robustjs/test-utils';
import { expect, it } from 'vitest';
import { caught } from '../test/helpers';
import { gaussian64, randn } from '../test/reference64';
import { createGaussianKernel } from './gaussianKernel';
import { kernelMatrices, pooledKernelMatrix } from './kernelMatrices';

describeEachBackend('kernelMatrices and pooledKernelMatrix', () => {
  it('give Kxx, Kyy, Kxy and the pooled [Nx+Ny, Nx+Ny] matrix, without leaking', () => {
    const xa = randn(6, 3, 1);
    const ya = randn(4, 3, 2, 1);
    const [x, y] = [tf.tensor2d(xa), tf.tensor2d(ya)];
    const kernel = createGaussianKernel(2);
    const { kxx, kyy, kxy, pooled } = expectNoLeak(() => {
      const m = kernelMatrices(kernel, x, y);
      const k = pooledKernelMatrix(kernel, x, y);
      expect([m.kxx.shape, m.kyy.shape, m.kxy.shape, k.shape]).toEqual([[6, 6], [4, 4], [6, 4], [10, 10]]);
      const out = { kxx: Array.from(m.kxx.dataSync()), kyy: Array.from(m.kyy.dataSync()), kxy: Array.from(m.kxy.dataSync()), pooled: Array.from(k.dataSync()) };
      tf.dispose([m.kxx, m.kyy, m.kxy, k]);
      return out;
    });
    expect(relativeError(kxx, gaussian64(xa, xa, 2).flat())).toBeLessThan(1e-5);
    expect(relativeError(kyy, gaussian64(ya, ya, 2).flat())).toBeLessThan(1e-5);
    expect(relativeError(kxy, gaussian64(xa, ya, 2).flat())).toBeLessThan(1e-5);
    expect(relativeError(pooled, gaussian64([...xa, ...ya], [...xa, ...ya], 2).flat())).toBeLessThan(1e-5);
    tf.dispose([x, y]);
  });

  it('reject a non-kernel and different feature sizes', () => {
    const x = tf.zeros([3, 2]);
    const y = tf.zeros([3, 3]);
    expect(caught(() => kernelMatrices({} as never, x, x)).message).toMatch(/Argument 'kernel' passed to 'kernelMatrices' must be a Kernel \{embed, matrix\}/);
    const e = caught(() => pooledKernelMatrix(createGaussianKernel(1), x, y));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/'pooledKernelMatrix'/);
    tf.dispose([x, y]);
  });
});
