import * as tf from '@tensorflow/tfjs';
import { expectNoLeak } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { caught, rel, take, useWasm } from '../test/helpers';
import { gaussian64, mmd2u64, randn, var64 } from '../test/reference64';
import { createGaussianKernel } from './gaussianKernel';
import { kernelMatrices } from './kernelMatrices';
import { testPower } from './testPower';

useWasm();

describe('testPower', () => {
  it('is MMD²_u / sqrt(σ²_H1 + λ) of the float64 loop, for the default and a given λ', () => {
    const xa = randn(80, 6, 1);
    const ya = randn(80, 6, 2, 0.5);
    const [x, y] = [tf.tensor2d(xa), tf.tensor2d(ya)];
    const { kxx, kyy, kxy } = kernelMatrices(createGaussianKernel(10), x, y);
    const ref = [gaussian64(xa, xa, 10), gaussian64(ya, ya, 10), gaussian64(xa, ya, 10)] as const;
    for (const lambda of [1e-8, 1e-2]) {
      const j = expectNoLeak(() => take(testPower(kxx, kyy, kxy, { lambda })));
      expect(rel(j, mmd2u64(...ref) / Math.sqrt(var64(...ref) + lambda))).toBeLessThan(1e-5);
    }
    expect(take(testPower(kxx, kyy, kxy))).toBe(take(testPower(kxx, kyy, kxy, { lambda: 1e-8 })));
    tf.dispose([x, y, kxx, kyy, kxy]);
  });

  it('rejects unknown options and λ ≤ 0', () => {
    const a = tf.ones([2, 2]) as tf.Tensor2D;
    expect(caught(() => testPower(a, a, a, { lamda: 1 } as never)).message).toBe("Unknown option 'lamda' passed to 'testPower'. Valid options: lambda.");
    expect(caught(() => testPower(a, a, a, { lambda: 0 })).code).toBe('OUT_OF_RANGE');
    a.dispose();
  });
});
