import * as tf from '@tensorflow/tfjs';
import { expectNoLeak, relativeError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { caught, useWasm } from '../test/helpers';
import { deep64, gaussian64, median64, randn, sqDist64 } from '../test/reference64';
import { DeepKernel } from './DeepKernel';

useWasm();

const W = randn(6, 3, 11); // a frozen linear featurizer 6 → 3, then tanh
const phi = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.tanh(tf.matMul(x.reshape([x.shape[0] as number, -1]), tf.tensor2d(W))));

function features(rows: number[][]): number[][] {
  const f = tf.tidy(() => phi(tf.tensor2d(rows)));
  const out = f.arraySync() as number[][];
  f.dispose();
  return out;
}

describe('DeepKernel', () => {
  it('computes (1−ε)exp(−Dφ/σ0 − D0/σ) + ε exp(−D0/σ) like a float64 loop, without leaking', () => {
    const xa = randn(10, 6, 1);
    const ya = randn(8, 6, 2, 0.4);
    const kernel = new DeepKernel({ sigma0: 0.7, sigma: 9, eps: 0.1 }, phi);
    const [x, y] = [tf.tensor2d(xa), tf.tensor2d(ya)];
    const got = expectNoLeak(() => {
      const k = kernel.apply(x, y);
      expect(k.shape).toEqual([10, 8]);
      const v = Array.from(k.dataSync());
      k.dispose();
      return v;
    });
    const expected = deep64(xa, ya, features(xa), features(ya), 0.7, 9, 0.1).flat();
    expect(relativeError(got, expected)).toBeLessThan(1e-5);
    tf.dispose([x, y]);
    kernel.dispose();
  });

  it('leaves no tensors behind when constructed, initialised from data, restored and disposed', () => {
    const x = tf.randomNormal([20, 6], 0, 1, 'float32', 1);
    const before = tf.memory().numTensors;
    const a = new DeepKernel({ sigma0: 1, sigma: 2, eps: 0.1 });
    const b = DeepKernel.fromData(x, x, { featurizer: phi });
    const c = DeepKernel.fromState(b.state(), phi);
    [a, b, c].forEach((k) => k.dispose());
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('stores ε as a logit and σ0, σ as squares of their roots', () => {
    const kernel = new DeepKernel({ sigma0: 4, sigma: 2048, eps: 1e-10 });
    const s = kernel.state();
    expect(s.sigma0Root).toBeCloseTo(2, 6);
    expect(s.sigmaRoot).toBeCloseTo(Math.sqrt(2048), 4);
    expect(s.epsLogit).toBeCloseTo(Math.log(1e-10), 4);
    expect(kernel.params.eps).toBeCloseTo(1e-10, 15);
    const copy = DeepKernel.fromState(s);
    expect(copy.state()).toEqual(s);
    tf.dispose([kernel, copy].flatMap((k) => k.trainableVariables()));
  });

  it('without a featurizer (φ = identity) is exp(−D/σ0 − D/σ) mixed with exp(−D/σ)', () => {
    const xa = randn(5, 4, 3);
    const kernel = new DeepKernel({ sigma0: 3, sigma: 5, eps: 0.25 });
    const x = tf.tensor2d(xa);
    const k = kernel.apply(x, x);
    const g0 = gaussian64(xa, xa, 1 / (1 / 3 + 1 / 5)).flat();
    const g1 = gaussian64(xa, xa, 5).flat();
    expect(relativeError(Array.from(k.dataSync()), g0.map((v, i) => 0.75 * v + 0.25 * (g1[i] as number)))).toBeLessThan(1e-5);
    tf.dispose([x, k]);
    kernel.dispose();
  });

  it("fromData uses DAD's initialisation: σ0 = median cross feature distance, σ = 2·D0, ε = 1e-10", () => {
    const xa = randn(12, 6, 4);
    const ya = randn(12, 6, 5, 1);
    const [x, y] = [tf.tensor2d(xa), tf.tensor2d(ya)];
    const kernel = DeepKernel.fromData(x, y, { featurizer: phi });
    const p = kernel.params;
    expect(Math.abs(p.sigma0 - median64(sqDist64(features(xa), features(ya)).flat())) / p.sigma0).toBeLessThan(1e-5);
    expect(p.sigma).toBeCloseTo(12, 4);
    expect(p.eps).toBeCloseTo(1e-10, 15);
    const withSigma = DeepKernel.fromData(x, y, { sigma: 100, eps: 0.01 });
    expect(withSigma.params.sigma).toBeCloseTo(100, 3);
    expect(withSigma.params.eps).toBeCloseTo(0.01, 7);
    tf.dispose([x, y]);
    kernel.dispose();
    withSigma.dispose();
  });

  it('accepts a tf.LayersModel featurizer and exposes its weights for training on request', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [6], units: 3, activation: 'tanh' })] });
    const x = tf.randomNormal([7, 6], 0, 1, 'float32', 1);
    const kernel = DeepKernel.fromData(x, x, { featurizer: model });
    expect(kernel.trainableVariables().length).toBe(3);
    expect(kernel.trainableVariables(true).length).toBe(5);
    const k = kernel.apply(x, x);
    expect(k.shape).toEqual([7, 7]);
    tf.dispose([x, k]);
    kernel.dispose();
    model.dispose();
  });

  it('works on image batches [N,H,W,C] (φ on images, D0 on flattened pixels)', () => {
    const x = tf.randomUniform([4, 2, 3, 1], 0, 1, 'float32', 1);
    const y = tf.randomUniform([5, 2, 3, 1], 0, 1, 'float32', 2);
    const kernel = new DeepKernel({ sigma0: 1, sigma: 12, eps: 0.5 }, phi);
    const k = kernel.apply(x, y);
    expect(k.shape).toEqual([4, 5]);
    tf.dispose([x, y, k]);
    kernel.dispose();
  });

  it('rejects bad parameters, featurizers and outputs with RobustErrors', () => {
    expect(caught(() => new DeepKernel({ sigma0: 0, sigma: 1, eps: 0.1 })).message).toMatch(/Argument 'params.sigma0' passed to 'DeepKernel' must be > 0, got 0/);
    expect(caught(() => new DeepKernel({ sigma0: 1, sigma: 1, eps: 1 })).code).toBe('OUT_OF_RANGE');
    expect(caught(() => new DeepKernel({ sigma0: 1, sigma: 1, eps: 0.1 }, 'resnet' as never)).message).toMatch(/must be a function \[N,...\] → \[N,F\] or a tf.LayersModel/);
    const bad = new DeepKernel({ sigma0: 1, sigma: 1, eps: 0.1 }, (x) => tf.sum(x));
    const x = tf.ones([3, 2]);
    const y = tf.ones([3, 4]);
    expect(caught(() => bad.apply(x, x)).message).toMatch(/featurizer used by 'DeepKernel.embed' must map a batch \[N,...\] to features \[N,F\] with N = 3, got shape \[\]/);
    expect(caught(() => bad.apply(x, y)).code).toBe('SHAPE_MISMATCH');
    const constant = (z: tf.Tensor): tf.Tensor => tf.zeros([z.shape[0] as number, 2]);
    expect(caught(() => DeepKernel.fromData(x, x, { featurizer: constant })).message).toMatch(/median feature distance of 0/);
    expect(caught(() => DeepKernel.fromData(x, x, { sigm: 1 } as never)).code).toBe('UNKNOWN_OPTION');
    tf.dispose([x, y]);
    bad.dispose();
  });
});
