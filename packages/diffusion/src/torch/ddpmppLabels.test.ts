import * as tf from '@tensorflow/tfjs';
import { expectNoLeak, expectRobustError, useWasm } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { linearSchedule } from '../schedule';
import { vpSde } from '../vpSde';
import { ddpmppLabels } from './ddpmppLabels';

useWasm();

describe('ddpmppLabels', () => {
  it('index n → 999·(n + 1)/N as float32; float32 labels pass through', () => {
    expect(Array.from(ddpmppLabels(tf.tensor1d([0, 99, 999], 'int32')).dataSync())).toEqual(
      Array.from(Float32Array.from([0.999, 99.9, 999])),
    );
    expect(Array.from(ddpmppLabels(tf.tensor1d([4], 'int32'), 10).dataSync())).toEqual([
      Math.fround(499.5),
    ]);
    const l = ddpmppLabels(tf.tensor1d([12.5, 0]));
    expect(l.dtype).toBe('float32');
    expect(Array.from(l.dataSync())).toEqual([12.5, 0]);
    const t = tf.tensor1d([1, 2], 'int32');
    expectNoLeak(() => ddpmppLabels(t));
    tf.dispose([l, t]);
  });

  it("index n's continuous time (n + 1)/N has the schedule's noise level: m(s)² ≈ ᾱ_n", () => {
    const sde = vpSde();
    const { alphasCumprod } = linearSchedule();
    for (const n of [0, 99, 499, 999]) {
      expect(Math.abs(sde.m((n + 1) / 1000) ** 2 - alphasCumprod[n]!)).toBeLessThan(1e-3);
    }
  });

  it('rejects indices and labels out of range, other ranks and dtypes', () => {
    expect(expectRobustError(() => ddpmppLabels(tf.tensor1d([1000], 'int32'))).code).toBe(
      'OUT_OF_RANGE',
    );
    expect(expectRobustError(() => ddpmppLabels(tf.tensor1d([-1], 'int32'))).code).toBe(
      'OUT_OF_RANGE',
    );
    expect(expectRobustError(() => ddpmppLabels(tf.tensor1d([NaN]))).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ddpmppLabels(tf.tensor1d([999.01]))).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ddpmppLabels(tf.tensor2d([[1]]) as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(expectRobustError(() => ddpmppLabels(tf.tensor1d([true], 'bool') as never)).code).toBe(
      'INVALID_ARGUMENT',
    );
    expect(expectRobustError(() => ddpmppLabels(tf.tensor1d([1], 'int32'), 1)).code).toBe(
      'OUT_OF_RANGE',
    );
  });
});
