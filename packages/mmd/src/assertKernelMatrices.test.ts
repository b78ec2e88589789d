import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { caught, useWasm } from '../test/helpers';
import { assertKernelMatrices } from './assertKernelMatrices';

useWasm();

describe('assertKernelMatrices', () => {
  it('accepts consistent matrices, paired or not, and rejects the rest', () => {
    const [a, b, ab, ba] = [tf.ones([2, 2]), tf.ones([3, 3]), tf.ones([2, 3]), tf.ones([3, 2])];
    assertKernelMatrices(a, b, ab, 'f', false);
    assertKernelMatrices(a, a, a, 'f', true);
    expect(caught(() => assertKernelMatrices(a, b, ba, 'f', false)).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => assertKernelMatrices(a, b, ab, 'f', true)).message).toMatch(/equal size n/);
    expect(caught(() => assertKernelMatrices(a, tf.ones([2]), a, 'f', false)).message).toMatch(/Argument 'kyy' passed to 'f' must be a rank-2 kernel matrix/);
    expect(caught(() => assertKernelMatrices(null, a, a, 'f', false)).message).toMatch(/Argument 'kxx' passed to 'f' must be a live tf.Tensor2D/);
    tf.dispose([a, b, ab, ba]);
  });
});
