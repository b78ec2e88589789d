import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { RobustError } from '@robustjs/core';
import type { Images } from '@robustjs/core';
import { expectClose, expectNoLeak } from '@robustjs/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { bpda } from './bpda';

const quantise = (x: Images): Images => tf.div(tf.round(tf.mul(x, 4)), 4) as Images;

describe('bpda', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('keeps the forward values and passes the upstream gradient through unchanged (identity)', () => {
    const x = tf.tensor4d([0.1, 0.3, 0.6, 0.9], [1, 2, 2, 1]);
    const t = bpda(quantise);
    expectClose(t(x).dataSync(), [0, 0.25, 0.5, 1], 1e-6);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(t(v as Images), tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]))))(x);
    expectClose(g.dataSync(), [1, 2, 3, 4], 1e-6); // stock round() would give zeros
    tf.dispose([x, g]);
  });

  it('uses the gradient of the surrogate backward function', () => {
    const x = tf.tensor4d([0.1, 0.3, 0.6, 0.9], [1, 2, 2, 1]);
    const t = bpda(quantise, (v) => tf.square(v) as Images);
    const g = tf.grad((v: tf.Tensor) => tf.sum(t(v as Images)))(x);
    expectClose(g.dataSync(), [0.2, 0.6, 1.2, 1.8], 1e-5);
    tf.dispose([x, g]);
  });

  it('leaks no tensors and rejects non-functions and shape changes', () => {
    const x = tf.tensor4d([0.1, 0.3, 0.6, 0.9], [1, 2, 2, 1]);
    expectNoLeak(() => tf.grad((v: tf.Tensor) => tf.sum(bpda(quantise)(v as Images)))(x));
    expect(() => bpda(42 as never)).toThrow(RobustError);
    expect(() => bpda((v) => tf.slice(v, [0, 0, 0, 0], [1, 1, 1, 1]))(x)).toThrow(/'forwardFn' passed to 'bpda' must keep the shape/);
    x.dispose();
  });
});
