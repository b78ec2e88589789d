import * as tf from '@tensorflow/tfjs';
import { expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { checkpointed } from './checkpointed';

const step = (u: tf.Tensor4D): tf.Tensor4D => tf.tanh(tf.add(tf.mul(u, 1.7), tf.square(u))) as tf.Tensor4D;
const guided = (u: tf.Tensor4D, g: tf.Tensor4D): tf.Tensor4D => tf.sin(tf.add(u, tf.mul(tf.sub(g, u), 0.3))) as tf.Tensor4D;

describeEachBackend('checkpointed', () => {
  it('gives the values and gradients of plain backprop through a chain of steps, bit for bit', () => {
    const [plain, ck, vPlain, vCk] = expectNoLeak(() => tf.tidy(() => {
      const x = tf.randomNormal([2, 3, 3, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
      const s = checkpointed(step);
      const chain = (f: (u: tf.Tensor4D) => tf.Tensor4D) => (v: tf.Tensor) => tf.sum(tf.mul(f(f(f(v as tf.Tensor4D))), 0.5));
      return [tf.grad(chain(step))(x), tf.grad(chain(s))(x), step(step(x)), s(s(x))].map((t) => Array.from(t.dataSync()));
    }));
    expect(ck).toEqual(plain);
    expect(vCk).toEqual(vPlain);
  });

  it('differentiates every tensor argument (two inputs)', () => {
    const [plain, ck] = expectNoLeak(() => tf.tidy(() => {
      const u = tf.randomNormal([1, 2, 2, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
      const g = tf.randomNormal([1, 2, 2, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
      const s = checkpointed(guided);
      const loss = (f: typeof guided) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(f(a as tf.Tensor4D, b as tf.Tensor4D)));
      return [tf.grads(loss(guided))([u, g]), tf.grads(loss(s))([u, g])].map((gs) => gs.map((t) => Array.from(t.dataSync())));
    }));
    expect(ck).toEqual(plain);
  });

  it('rejects a non-function with a RobustError', () => {
    expect(expectRobustError(() => checkpointed(undefined as never)).message).toMatch(/'step' passed to 'checkpointed' must be a function/);
  });
});
