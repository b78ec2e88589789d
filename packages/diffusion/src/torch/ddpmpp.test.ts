import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@robustjs/core/register';
import { decodeSafetensors, importTorchTensors } from '@robustjs/core';
import {
  describeEachBackend,
  expectClose,
  expectNoLeak,
  expectRobustError,
} from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffPure } from '../purifiers/factories';
import { linearSchedule } from '../schedule';
import { vpSde } from '../vpSde';
import { ddpmpp, type Ddpmpp } from './ddpmpp';
import type { DdpmppConfig } from './ddpmppConfig';
import { ddpmppRandomWeights } from './ddpmppRandomWeights';
import { ddpmppTorchParams } from './ddpmppTorchParams';

// Made by `npm run fixtures:ddpmpp -w @robustjs/diffusion` (bench/torch_archs/ddpmpp.py fixtures):
// random non-zero weights of a small config, outputs computed in float64 by the PyTorch reference
// (which equals the original models/ncsnpp.py bit for bit on these weights, see its --upstream).
const DIR = join(__dirname, '../../test/fixtures/ddpmpp');
const SMALL: Partial<DdpmppConfig> = {
  imageSize: 16,
  nf: 8,
  chMult: [1, 2],
  numResBlocks: 1,
  attnResolutions: [8],
};
const read = (f: string): tf.NamedTensorMap => decodeSafetensors(readFileSync(join(DIR, f)), f);

function loadSmall(): Ddpmpp {
  const raw = read('ddpmpp-small.safetensors');
  const w = importTorchTensors(raw, ddpmppTorchParams(SMALL), {
    file: 'ddpmpp-small.safetensors',
    architecture: 'ddpmpp',
    prefix: 'module.',
    ignore: (k) => k === 'module.sigmas',
  });
  tf.dispose(Object.values(raw));
  return ddpmpp(SMALL, w);
}

describeEachBackend('ddpmpp matches the PyTorch reference', () => {
  let model: Ddpmpp;
  let io: tf.NamedTensorMap;
  beforeAll(() => {
    model = loadSmall();
    io = read('ddpmpp-small-io.safetensors');
  });
  afterAll(() => {
    model.dispose();
    tf.dispose(Object.values(io));
  });

  it('network(x, labels) to 1e-4 relative, labels 0 … 999', () => {
    const y = model.network(io.x as tf.Tensor4D, io.labels as tf.Tensor1D);
    expect(y.shape).toEqual([4, 16, 16, 3]);
    expectClose(y.dataSync(), io.out!.dataSync(), 1e-4, 'network output');
    y.dispose();
  });

  it("predict on discrete indices gives DiffPure's score: −predict(x, n)/σ((n + 1)/1000)", () => {
    const n = Int32Array.from(io.indices!.dataSync());
    const sde = vpSde();
    const score = tf.tidy(() => {
      const eps = model.predict(io.x as tf.Tensor4D, tf.tensor1d(n, 'int32'));
      const sigma = tf.tensor4d(
        Array.from(n, (i) => sde.sigma((i + 1) / 1000)),
        [n.length, 1, 1, 1],
      );
      return tf.neg(tf.div(eps, sigma));
    });
    expectClose(score.dataSync(), io.score!.dataSync(), 1e-4, 'score');
    score.dispose();
  });

  it('is tidy, per sample, and differentiable wrt xt', () => {
    const x = io.x as tf.Tensor4D;
    const t = tf.tensor1d([99, 99, 10, 99], 'int32');
    expectNoLeak(() => tf.tidy(() => model.predict(x, t)));
    const g = tf.tidy(() =>
      tf.grad((v: tf.Tensor) => tf.sum(model.predict(v as tf.Tensor4D, t)))(x),
    );
    const gv = g.dataSync();
    expect(gv.every(Number.isFinite)).toBe(true);
    expect(Math.max(...Array.from(gv, Math.abs))).toBeGreaterThan(0);
    const y = model.predict(x, t).arraySync();
    expect(y[2]).not.toEqual(y[1]);
    tf.dispose([t, g]);
  });
});

describe('ddpmpp', () => {
  it('float32 t is the label itself; int32 index n is label 999·(n + 1)/1000', () => {
    const m = loadSmall();
    const x = tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const a = m.predict(x, tf.tensor1d([99, 0], 'int32')).dataSync();
    const b = m.network(x, tf.tensor1d([99.9, 0.999])).dataSync();
    const c = m.predict(x, tf.tensor1d([99.9, 0.999])).dataSync();
    expectClose(a, b, 1e-6);
    expectClose(c, b, 1e-6);
    expect(m.paramCount).toBe(48275);
    m.dispose();
    x.dispose();
  });

  it("purifies through DiffPure with the VP-SDE ('sde', float32 labels) and DDPM solvers", () => {
    const m = loadSmall();
    const x = tf.randomUniform([2, 16, 16, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    for (const solver of ['sde', 'ddpm'] as const) {
      const p = diffPure(m.predict, linearSchedule(), { t: 20, steps: 4, solver });
      const y = p(x, undefined, { seed: 1 });
      expect(y.shape).toEqual([2, 16, 16, 3]);
      const v = y.dataSync();
      expect(v.every((e) => Number.isFinite(e) && e >= 0 && e <= 1)).toBe(true);
      expect(Array.from(p(x, undefined, { seed: 1 }).dataSync())).toEqual(Array.from(v));
      y.dispose();
    }
    tf.dispose(x);
    m.dispose();
  });

  it('rejects missing, mis-shaped and foreign weights, bad inputs, before any work', () => {
    const w = ddpmppRandomWeights(SMALL, 1);
    const name = 'all_modules.3.Conv_0.weight';
    const { [name]: conv, ...rest } = w;
    expect(expectRobustError(() => ddpmpp(SMALL, rest)).message).toContain(name);
    const bad = { ...w, [name]: tf.zeros([3, 3, 8, 9]) };
    const e = expectRobustError(() => ddpmpp(SMALL, bad));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toContain(name);
    expect(
      expectRobustError(() => ddpmpp(SMALL, { ...w, extra: tf.zeros([1]) })).message,
    ).toContain("'extra'");
    expect(expectRobustError(() => ddpmpp({ ...SMALL, fir: true as false }, w)).message).toContain(
      'fir',
    );
    expect(expectRobustError(() => ddpmpp({ ...SMALL, nf: 6 }, w)).code).toBe('INVALID_ARGUMENT');
    const m = ddpmpp(SMALL, w);
    const x = tf.zeros([2, 16, 16, 3]) as tf.Tensor4D;
    expect(expectRobustError(() => m.predict(x, tf.tensor1d([1], 'int32'))).code).toBe(
      'SHAPE_MISMATCH',
    );
    expect(expectRobustError(() => m.predict(x, tf.tensor1d([1000, 0], 'int32'))).code).toBe(
      'OUT_OF_RANGE',
    );
    expect(expectRobustError(() => m.predict(x, tf.tensor1d([999.5, 0]))).code).toBe(
      'OUT_OF_RANGE',
    );
    expect(
      expectRobustError(() =>
        m.predict(tf.zeros([2, 32, 32, 3]) as tf.Tensor4D, tf.tensor1d([1, 2], 'int32')),
      ).code,
    ).toBe('SHAPE_MISMATCH');
    m.dispose();
    expect(conv!.isDisposed).toBe(true); // the network owned it
    tf.dispose([bad[name]!, x]);
  });
});
