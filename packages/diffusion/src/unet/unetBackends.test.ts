import * as tf from '@tensorflow/tfjs';
import {
  backendUnderTest, expectClose, expectNoLeak, onWasm, WEBGPU_TOLERANCE,
} from '@robustjs/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { lazyTinyUnet, useWasm } from '../../test/helpers';

// The UNet's forward pass and input gradient on the backend under test (wasm; webgpu in the webgpu
// run) against a reference: the cpu backend in the normal run (tfjs's pure-JS kernels, the
// numerical reference of the wasm kernel additions), wasm in the webgpu run. Tolerances:
// WEBGPU_TOLERANCE.chain and .gradient (relative).
useWasm();

const tiny = lazyTinyUnet(16);
afterAll(() => tiny.dispose());

const reference = backendUnderTest() === 'wasm' ? 'cpu' : 'wasm';

/** Runs `fn` on the reference backend, then returns to the backend under test. */
function onReference<T>(fn: () => T): T {
  if (reference === 'wasm') return onWasm(fn);
  const current = tf.getBackend();
  void tf.setBackend('cpu');
  try {
    return fn();
  } finally {
    void tf.setBackend(current);
  }
}

const x = (): tf.Tensor4D => tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 31) as tf.Tensor4D;
const t = (): tf.Tensor1D => tf.tensor1d([10, 700], 'int32');

/** The forward output `[2,16,16,1]`, as values. */
const forward = (): Float32Array =>
  tf.tidy(() => tiny.model().predict(x(), t()).dataSync() as Float32Array);

/** The gradient of sum(ε(x, t) · w) with respect to x `[2,16,16,1]`, as values. */
const inputGradient = (): Float32Array => tf.tidy(() => {
  const w = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 32);
  const loss = (xx: tf.Tensor): tf.Scalar =>
    tf.sum(tf.mul(tiny.model().predict(xx as tf.Tensor4D, t()), w));
  return tf.grad(loss)(x()).dataSync() as Float32Array;
});

describe(`UNet (tiny, 16×16) on ${backendUnderTest()} against ${reference}`, () => {
  it('initialises the reference backend once, and makes the model', async () => {
    expect(await tf.setBackend(reference)).toBe(true);
    expect(await tf.setBackend(backendUnderTest())).toBe(true);
    expect(tiny.model().paramCount).toBeGreaterThan(0);
  });

  it(`computes the forward pass within ${WEBGPU_TOLERANCE.chain} (relative), without leaks`, () => {
    const here = expectNoLeak(forward);
    expect(here.length).toBe(512);
    expect(here.some((v) => v !== 0)).toBe(true);
    const what = `UNet forward, ${tf.getBackend()} vs ${reference}`;
    expectClose(here, onReference(forward), WEBGPU_TOLERANCE.chain, what);
  });

  it(`computes the input gradient within ${WEBGPU_TOLERANCE.gradient} (relative), no leaks`, () => {
    const here = expectNoLeak(inputGradient);
    expect(here.every((v) => Number.isFinite(v))).toBe(true);
    expect(here.some((v) => v !== 0)).toBe(true);
    const what = `UNet input gradient, ${tf.getBackend()} vs ${reference}`;
    expectClose(here, onReference(inputGradient), WEBGPU_TOLERANCE.gradient, what);
  });
});
