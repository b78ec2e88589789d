import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { relativeError, expectNoLeak } from '@robustjs/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy } from './crossEntropy';
import { normal, rng } from '../test/models';

// A smooth two-layer tanh MLP, D=8 → 6 → K=4, written twice: in float64 JS and in tfjs.
const D = 8;
const HID = 6;
const K = 4;
const rand = rng(7);
const W1 = Array.from({ length: HID * D }, () => normal(rand));
const W2 = Array.from({ length: K * HID }, () => normal(rand));

function ceJs(x: number[], y: number): number {
  const h = Array.from({ length: HID }, (_, i) => Math.tanh(x.reduce((s, xd, d) => s + (W1[i * D + d] as number) * xd, 0)));
  const z = Array.from({ length: K }, (_, k) => h.reduce((s, hi, i) => s + (W2[k * HID + i] as number) * hi, 0));
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, zk) => s + Math.exp(zk - m), 0)) - (z[y] as number);
}

function mlp(x: tf.Tensor4D): tf.Tensor2D {
  const w1 = tf.transpose(tf.tensor2d(W1, [HID, D])); // [D,HID]
  const w2 = tf.transpose(tf.tensor2d(W2, [K, HID])); // [HID,K]
  return tf.matMul(tf.tanh(tf.matMul(tf.reshape(x, [x.shape[0], D]), w1)), w2);
}

describe('crossEntropy', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('equals logsumexp(z) − z_y and is stable for large logits', () => {
    const z = tf.tensor2d([[1, 2, 3], [1000, 0, -1000]]);
    const y = tf.tensor1d([2, 1], 'int32');
    expectNoLeak(() => crossEntropy(z, y));
    const out = tf.tidy(() => Array.from(crossEntropy(z, y).dataSync()));
    tf.dispose([z, y]);
    expect(out[0]).toBeCloseTo(Math.log(Math.exp(-2) + Math.exp(-1) + 1), 5);
    expect(out[1]).toBeCloseTo(1000, 3);
  });

  it('has an input gradient (through a smooth model) that matches float64 central differences to 1e-3', () => {
    const xs = Array.from({ length: 3 }, () => Array.from({ length: D }, () => rand()));
    const ys = [0, 2, 3];
    const x = tf.tensor4d(xs.flat(), [3, 2, 4, 1]);
    const y = tf.tensor1d(ys, 'int32');
    const g = tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(crossEntropy(mlp(v as tf.Tensor4D), y)))(x));
    const got = Array.from(g.dataSync());
    tf.dispose([x, y, g]);
    const h = 1e-5;
    const want = xs.flatMap((xi, n) =>
      xi.map((_, d) => {
        const up = xi.slice();
        const dn = xi.slice();
        up[d] = (up[d] as number) + h;
        dn[d] = (dn[d] as number) - h;
        return (ceJs(up, ys[n] as number) - ceJs(dn, ys[n] as number)) / (2 * h);
      }),
    );
    expect(relativeError(got, want)).toBeLessThan(1e-3);
  });
});
