import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { ChainStep, Images } from '@robustjs/core';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainGradient } from './chainGradient';

/** Six nonlinear steps with fixed noise; the odd ones read the guide (as GDMP's guided steps). */
function handmadeChain(shape: [number, number, number, number]): readonly ChainStep[] {
  return Array.from({ length: 6 }, (_, k) => {
    const guided = k % 2 === 1;
    const step = (u: tf.Tensor4D, g: tf.Tensor4D): tf.Tensor4D =>
      tf.tidy(() => {
        const noise = tf.randomNormal(shape, 0, 0.3, 'float32', 100 + k);
        const next = tf.tanh(tf.add(tf.mul(u, 1.1 - 0.1 * k), noise));
        return (guided ? tf.add(next, tf.mul(0.2, tf.mul(g, u))) : next) as tf.Tensor4D;
      });
    return Object.assign(step, { usesGuide: guided });
  });
}

describe('chainGradient', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });
  const shape: [number, number, number, number] = [2, 3, 3, 1];
  const final = (u: tf.Tensor4D): tf.Scalar =>
    tf.sum(tf.mul(u, tf.linspace(-1, 1, 18).reshape(shape)));

  it('equals plain backpropagation for every segment length that divides the chain', () => {
    const x = tf.randomUniform(shape, 0, 1, 'float32', 1) as Images;
    const ref = tf.randomUniform(shape, 0, 1, 'float32', 2) as Images;
    const steps = handmadeChain(shape);
    const full = tf.tidy(() =>
      tf.grad((xx: tf.Tensor) => {
        const u0 = tf.sub(tf.mul(xx, 2), 1) as tf.Tensor4D;
        const r0 = tf.sub(tf.mul(ref, 2), 1) as tf.Tensor4D;
        let u = u0;
        let r = r0;
        let dev = tf.scalar(0);
        for (const s of steps) {
          u = s(u, u0);
          r = s(r, r0);
          dev = tf.add(dev, tf.sum(tf.mean(tf.squaredDifference(u, r), [1, 2, 3])));
        }
        return tf.add(final(u), tf.mul(0.7, dev));
      })(x),
    );
    const want = Array.from(full.dataSync());
    for (const segment of [1, 2, 3, 6]) {
      const got = expectNoLeak(() => {
        const g = chainGradient(x, steps, { segment, final, reference: ref, deviation: 0.7 });
        return { values: Array.from(g.dataSync()), g };
      }).values;
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
    }
    tf.dispose([x, ref, full]);
  });

  it('throws before any work for a segment not dividing the chain, or a bad deviation', () => {
    const x = tf.zeros(shape) as Images;
    const steps = handmadeChain(shape);
    const before = tf.memory().numTensors;
    const e = expectRobustError(() => chainGradient(x, steps, { segment: 4, final }));
    expect(e.message).toMatch(/'segment'.*'chainGradient'.*6 steps.*got 4.*1, 2, 3, 6/s);
    expectRobustError(() => chainGradient(x, steps, { segment: 2, final, deviation: 1 }));
    expectRobustError(() =>
      chainGradient(x, steps, { segment: 2, final, deviation: -1, reference: x }),
    );
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
