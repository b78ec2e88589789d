import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm'; // registerWasmKernels needs the wasm backend registered first
import { beforeAll, describe, expect, it } from 'vitest';
import { relativeError } from '@robustjs/test-utils';
import { meanGradConfig, sumGradConfig } from './reductionGradients';
import { registerWasmKernels, unregisterWasmKernels, wasmKernelsRegistered } from './registerWasmKernels';

type Pad = 'same' | 'valid';
interface ConvCase { x: [number, number, number, number]; f: [number, number, number, number]; strides: [number, number]; pad: Pad }

/** Deterministic pseudo-random shapes: strides 1–3, both paddings, batch > 1, non-square. */
function convCases(count: number): ConvCase[] {
  let s = 12345;
  const rnd = (lo: number, hi: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return lo + ((s >>> 8) % (hi - lo + 1));
  };
  const out: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const strides: [number, number] = i % 4 === 0 ? [1, 1] : i % 4 === 1 ? [2, 2] : i % 4 === 2 ? [rnd(1, 3), rnd(1, 3)] : [2, 1];
    const kh = rnd(1, 5);
    const kw = rnd(1, 5);
    const pad: Pad = i % 2 === 0 ? 'same' : 'valid';
    const h = rnd(kh + 1, 14);
    const w = rnd(kw + 2, 15);
    out.push({ x: [rnd(2, 4), h, w, rnd(1, 6)], f: [kh, kw, 0, rnd(1, 7)], strides, pad });
    const last = out[out.length - 1] as ConvCase;
    last.f[2] = last.x[3];
  }
  return out;
}

async function onBackend<T>(name: string, fn: () => T): Promise<T> {
  await tf.setBackend(name);
  await tf.ready();
  return fn();
}

function numbers(shape: number[], seed: number): Float32Array {
  return tf.tidy(() => tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync() as Float32Array);
}

describe('wasm kernel additions', () => {
  beforeAll(async () => {
    registerWasmKernels();
    await tf.setBackend('wasm');
    await tf.ready();
  });

  it('replace the stock kernels and are idempotent', () => {
    expect(registerWasmKernels()).toEqual(['Conv2DBackpropFilter', 'Conv2DBackpropInput', 'BatchMatMul', 'Identity', 'Tile']);
    expect(wasmKernelsRegistered()).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('Identity shares the buffer: clones and saved tensors cost no copy, and each buffer is freed with its last tensor', () => {
    const backend = tf.backend() as unknown as { numDataIds(): number; refCount(dataId: object): number };
    const ids = backend.numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    expect(backend.numDataIds()).toBe(ids + 1); // one buffer for both
    expect(backend.refCount(x.dataId)).toBe(2);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1, 2, 3, 4]); // still alive through y
    y.dispose();
    expect(backend.numDataIds()).toBe(ids);
    // under a tape (tfjs clones the tensors a gradient saves): values right, nothing left behind
    const a = tf.tensor1d([0.5, -1, 2]);
    const tensors = tf.memory().numTensors;
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.exp(v), v)))(a);
    expect(Array.from(g.dataSync()).map((v) => Number(v.toFixed(5)))).toEqual([0.5, -1, 2].map((v) => Number((Math.exp(v) * (1 + v)).toFixed(5))));
    g.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
    a.dispose();
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.tidy(() => Array.from(tf.clone(tf.tensor(['a', 'b'])).dataSync() as unknown as string[]))).toEqual(['a', 'b']);
  });

  const cases = convCases(24);
  it.each(cases.map((c, i) => [i, c] as const))('conv2d input and filter gradients agree with cpu to 1e-4 (case %i)', async (i, c) => {
    const xs = numbers(c.x, 100 + i);
    const ws = numbers(c.f, 200 + i);
    const run = () => tf.tidy(() => {
      const x = tf.tensor4d(xs, c.x);
      const w = tf.tensor4d(ws, c.f);
      const y = tf.conv2d(x, w, c.strides, c.pad);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 300 + i);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy).sum())([x, w]);
      return [gx!.dataSync().slice(), gw!.dataSync().slice()] as const;
    });
    const [rx, rw] = await onBackend('cpu', run);
    const before = tf.memory().numTensors;
    const [gx, gw] = await onBackend('wasm', run);
    expect(tf.memory().numTensors).toBe(before);
    expect(relativeError(gx, rx)).toBeLessThan(1e-4);
    expect(relativeError(gw, rw)).toBeLessThan(1e-4);
  });

  it.each([
    [false, true, [3, 17, 9], [3, 11, 9]],
    [true, false, [2, 9, 13], [2, 9, 5]],
    [true, true, [1, 8, 6], [1, 4, 8]],
    [false, true, [40, 33], [21, 33]],
    [true, false, [4, 2, 7, 5], [4, 2, 7, 3]],
  ] as const)('matMul(transposeA=%s, transposeB=%s) agrees with cpu to 1e-4', async (ta, tb, sa, sb) => {
    const a = numbers([...sa], 7);
    const b = numbers([...sb], 8);
    const run = () => tf.tidy(() => tf.matMul(tf.tensor(a, [...sa]), tf.tensor(b, [...sb]), ta, tb).dataSync().slice());
    const ref = await onBackend('cpu', run);
    const got = await onBackend('wasm', run);
    expect(got.length).toBe(ref.length);
    expect(relativeError(got, ref)).toBeLessThan(1e-4);
  });

  // Tile (tf.tile, tf.broadcastTo): shapes of rank 0–5, reps with 1s, singleton axes, an empty output, all dtypes
  const tileCases: Array<[number[], number[], 'float32' | 'int32' | 'bool']> = [
    [[], [], 'float32'],
    [[1], [7], 'float32'],
    [[3], [1], 'int32'],
    [[1, 1], [33, 17], 'float32'],
    [[5, 1], [1, 9], 'float32'],
    [[1, 6], [4, 1], 'int32'],
    [[2, 3], [3, 2], 'float32'],
    [[2, 3], [0, 2], 'float32'],
    [[3, 1, 4], [2, 5, 1], 'bool'],
    [[2, 2, 3, 1], [1, 3, 2, 4], 'float32'],
    [[1, 2, 1, 3, 2], [2, 1, 3, 1, 2], 'int32'],
    [[4, 7, 5], [1, 1, 1], 'float32'],
    [[2, 40], [3, 2], 'float32'], // rows of 32 or more elements are copied as subarrays
  ];
  it.each(tileCases)('Tile of %j by %j (%s) equals the cpu kernel exactly', async (shape, reps, dtype) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const data = Array.from({ length: size }, (_, i) => (dtype === 'bool' ? i % 3 === 0 : dtype === 'int32' ? i * 7 - 11 : Math.fround(i * 0.37 - 2)));
    const run = () => tf.tidy(() => {
      const t = tf.tile(tf.tensor(data as number[], shape, dtype), reps);
      return { shape: t.shape, dtype: t.dtype, values: Array.from(t.dataSync()) };
    });
    const ref = await onBackend('cpu', run);
    const before = tf.memory().numTensors;
    const got = await onBackend('wasm', run);
    expect(tf.memory().numTensors).toBe(before);
    expect(got).toEqual(ref);
  });

  it('sum and mean gradients (a broadcast of dy on wasm) equal the stock ones on cpu, for every axis choice', async () => {
    const x = numbers([3, 4, 5], 41);
    const w = numbers([3, 4, 5], 42);
    const axesList: Array<number | number[] | undefined> = [undefined, 0, 1, 2, [0, 2], [1, 2], -1];
    const run = () => tf.tidy(() => axesList.flatMap((axis) => {
      const xt = tf.tensor3d(x, [3, 4, 5]);
      const wt = tf.tensor3d(w, [3, 4, 5]);
      // the reduced result is weighted so that dy differs per output element
      const f = (op: 'sum' | 'mean') => (v: tf.Tensor) => {
        const r = op === 'sum' ? tf.sum(tf.mul(v, wt), axis) : tf.mean(tf.mul(v, wt), axis);
        return tf.sum(tf.mul(r, tf.range(1, r.size + 1).reshape(r.shape)));
      };
      return [tf.grad(f('sum'))(xt).dataSync().slice(), tf.grad(f('mean'))(xt).dataSync().slice()];
    }));
    const ref = await onBackend('cpu', run);
    const backend = await onBackend('wasm', () => tf.backend() as unknown as { numDataIds(): number });
    const ids = backend.numDataIds();
    const got = run();
    expect(backend.numDataIds()).toBe(ids);
    got.forEach((g, i) => expect(Array.from(g)).toEqual(Array.from(ref[i]!)));
    // the values are exactly dy (sum) and dy / size (mean) broadcast: 1024×1024 from a scalar
    const big = tf.tidy(() => {
      const m = tf.ones([64, 32]);
      return [tf.grad((v: tf.Tensor) => tf.mul(tf.sum(v), 3))(m).dataSync(), tf.grad((v: tf.Tensor) => tf.mean(v))(m).dataSync()];
    });
    expect(big[0]!.every((v) => v === 3)).toBe(true);
    expect(big[1]!.every((v) => v === Math.fround(1 / 2048))).toBe(true);
    expect(tf.getGradient('Sum')).toBe(sumGradConfig);
    // on wasm the broadcast runs as one Tile, with no n-element Multiply or RealDiv
    const profile = await tf.profile(() => tf.tidy(() => tf.grad((v: tf.Tensor) => tf.mean(v))(tf.ones([64, 32])).dataSync()));
    const big2 = profile.kernels.filter((k) => k.outputShapes.some((s) => s?.[0] === 64));
    expect(big2.map((k) => k.name)).toContain('Tile');
    expect(big2.map((k) => k.name)).not.toContain('Multiply');
  });

  it('fused conv2d with bias and a non-relu activation has gradients on wasm', async () => {
    await onBackend('wasm', () => undefined);
    const g = tf.tidy(() => {
      const x = tf.randomNormal([2, 8, 8, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const b = tf.zeros([4]);
      return tf.grad((ww: tf.Tensor) => tf.fused.conv2d({ x, filter: ww as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'elu' }).sum())(w).dataSync().slice();
    });
    expect(g.length).toBe(3 * 3 * 3 * 4);
    expect(g.every(Number.isFinite)).toBe(true);
  });

  it('free every intermediate buffer they allocate on the wasm heap', async () => {
    const backend = tf.backend() as unknown as { numDataIds(): number };
    const step = () => tf.tidy(() => {
      const x = tf.randomNormal([3, 9, 7, 2], 0, 1, 'float32', 1) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 2, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same').square().sum())([x, w]);
      const m = tf.matMul(tf.ones([5, 3]), tf.ones([4, 3]), false, true);
      return tf.add(tf.add(gx!.sum(), gw!.sum()), m.sum()).dataSync()[0];
    });
    step();
    const ids = backend.numDataIds();
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) step();
    expect(backend.numDataIds()).toBe(ids);
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('a conv net trains on wasm: the loss falls over 50 Adam steps on a fixed batch', async () => {
    await onBackend('wasm', () => undefined);
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([16, 12, 12, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const y = tf.tidy(() => tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4));
    const init = (shape: number[], seed: number) => tf.tidy(() => tf.variable(tf.randomNormal(shape, 0, Math.sqrt(2 / (shape.slice(0, -1).reduce((a, b) => a * b, 1))), 'float32', seed)));
    const w1 = init([3, 3, 1, 8], 11);
    const w2 = init([3, 3, 8, 16], 12);
    const w3 = init([16, 4], 13);
    const opt = tf.train.adam(0.01);
    const loss = () => tf.tidy(() => {
      const h1 = tf.relu(tf.conv2d(x, w1 as tf.Variable<tf.Rank.R4>, 1, 'same'));
      const h2 = tf.relu(tf.conv2d(h1, w2 as tf.Variable<tf.Rank.R4>, 2, 'same'));
      const logits = tf.matMul(tf.mean(h2, [1, 2]), w3 as tf.Variable<tf.Rank.R2>);
      return tf.losses.softmaxCrossEntropy(y, logits) as tf.Scalar;
    });
    const losses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const l = opt.minimize(loss, true, [w1, w2, w3]);
      losses.push(l!.dataSync()[0] as number);
      l!.dispose();
    }
    opt.dispose();
    tf.dispose([x, y, w1, w2, w3]);
    expect(tf.memory().numTensors).toBe(before);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[49]!).toBeLessThan(0.5 * losses[0]!);
  });

  it('unregister restores the stock kernels (stock wasm has no Conv2DBackpropFilter)', async () => {
    await onBackend('wasm', () => undefined);
    unregisterWasmKernels();
    try {
      expect(wasmKernelsRegistered()).toBe(false);
      expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
      expect(tf.getGradient('Sum')).toBeDefined();
      expect(tf.getGradient('Sum')).not.toBe(sumGradConfig); // tfjs's own again
      expect(tf.getGradient('Mean')).not.toBe(meanGradConfig);
      expect(() => tf.tidy(() => tf.grad((w: tf.Tensor) => tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'same').sum())(tf.ones([2, 2, 1, 1])))).toThrow(/Conv2DBackpropFilter/);
      // The stock fallback paths still run after a round trip.
      const m = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 3]), false, true).dataSync().slice());
      expect(Array.from(m)).toEqual(new Array(8).fill(3));
    } finally {
      registerWasmKernels();
    }
  });
});
