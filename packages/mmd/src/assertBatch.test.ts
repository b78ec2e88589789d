import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { caught, useWasm } from '../test/helpers';
import { assertBatch, assertSameFeatures, assertSameRows } from './assertBatch';

useWasm();

describe('assertBatch, assertSameFeatures, assertSameRows', () => {
  it('accept [N,...] float32 finite batches without leaking', () => {
    const x = tf.ones([3, 2, 2]);
    const before = tf.memory().numTensors;
    assertBatch(x, 'x', 'f', { minRows: 3 });
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('name the argument, the function, expected vs got, and the fix', () => {
    const [i, r3, few, inf] = [tf.ones([2, 2], 'int32'), tf.ones([2, 2, 2]), tf.ones([1, 2]), tf.tensor2d([[Infinity, 0]])];
    expect(caught(() => assertBatch([1], 'x', 'f')).message).toMatch(/^Argument 'x' passed to 'f' must be a tf.Tensor \[N,...\], got \[1\]/);
    expect(caught(() => assertBatch(i, 'x', 'f')).message).toMatch(/dtype float32, got int32. Convert with x.toFloat\(\)/);
    expect(caught(() => assertBatch(r3, 'x', 'f', { rank2: true })).message).toMatch(/rank-2 \[N,D\] tensor.*got rank 3.*reshape\(\[n, -1\]\)/);
    expect(caught(() => assertBatch(few, 'x', 'f', { minRows: 2, why: 'because' })).message).toMatch(/at least 2 rows \(samples\), got 1 \(shape \[1,2\]\): because/);
    expect(caught(() => assertBatch(inf, 'x', 'f')).code).toBe('NOT_FINITE');
    expect(caught(() => assertSameFeatures(few, r3, ['a', 'b'], 'f')).code).toBe('SHAPE_MISMATCH');
    expect(caught(() => assertSameRows(few, r3, ['a', 'b'], 'f', 'J')).message).toMatch(/same number of samples for J, got 1 and 2/);
    const d = tf.ones([2, 2]);
    d.dispose();
    expect(caught(() => assertBatch(d, 'x', 'f')).message).toMatch(/is disposed/);
    tf.dispose([i, r3, few, inf]);
  });
});
