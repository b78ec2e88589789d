import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gaussianGram, gaussianGramIsFused, groupNorm, groupNormIsFused, registerWasmKernels } from '@robustjs/core';
import { relativeError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCases, concatCases, convCases, gaussianGramCases, groupNormCases, matMulCases, reduceCases, stridedSumCases, values } from '../test/cases';
import type { AddCase, ConcatCase, ConvCase, GaussianGramCase, GroupNormCase, MatMulCase, ReduceCase, StridedSumCase } from '../test/cases';
import { loadNative } from './loadNative';
import { NATIVE_KERNEL_NAMES, nativeKernelStats, registerNativeKernels, unregisterNativeKernels, type NativeBackendName, type NativeKernelName } from './registerNativeKernels';

// CI builds the addon and sets ROBUSTJS_NATIVE_REQUIRED=1: a missing addon then fails every test below
// instead of being skipped. Without the variable and without the addon, one test reports why.
const native = loadNative();
const required = process.env.ROBUSTJS_NATIVE_REQUIRED === '1';

const CONV = convCases(54);
const MATMUL = matMulCases();
const GROUP_NORM = groupNormCases(50);
const GAUSSIAN_GRAM = gaussianGramCases(50);
const REDUCE = reduceCases(50);
const CONCAT = concatCases(40);
const ADD = addCases(30);
const STRIDED = stridedSumCases(30);
/** Sum and Mean go native only for large reductions (Mean only over the innermost axes), Concat and SplitV only for
 * float32 with two or more non-empty parts, Add only for large float32 outputs: they hand the rest back by design. */
const SELECTIVE = new Set<string>(['Sum', 'Mean', 'Concat', 'SplitV', 'Add']);
const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Forward, fused forward and (when tfjs allows) both gradients of one convolution case. */
function runConv(c: ConvCase, i: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(size(c.x), 10 + i), c.x);
    const w = tf.tensor4d(values(size(c.f), 20 + i), c.f);
    const co = c.f[3];
    const y = tf.conv2d(x, w, c.strides, c.pad, 'NHWC', c.dilations);
    const fused = tf.fused.conv2d({
      x,
      filter: w,
      strides: c.strides,
      pad: c.pad,
      dilations: c.dilations,
      bias: c.bias ? tf.tensor1d(values(co, 30 + i)) : undefined,
      activation: c.activation,
      preluActivationWeights: c.activation === 'prelu' ? tf.tensor(values(size(c.preluShape), 40 + i), c.preluShape) : undefined,
      leakyreluAlpha: 0.15,
    });
    const out: tf.Tensor[] = [y, fused];
    if (c.grad) {
      const dy = tf.tensor(values(y.size, 50 + i), y.shape);
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.strides, c.pad), dy)))([x, w]);
      out.push(gx!, gw!);
    }
    return out.map((t) => t.dataSync().slice() as Float32Array);
  });
}

/** One matmul case; `reference` tiles mixed broadcast batches (stock cpu mis-broadcasts them). */
function runMatMul(c: MatMulCase, i: number, reference: boolean): Float32Array {
  return tf.tidy(() => {
    let a: tf.Tensor = tf.tensor(values(size(c.a), 60 + i), c.a);
    let b: tf.Tensor = tf.tensor(values(size(c.b), 70 + i), c.b);
    if (reference && c.tileTo !== undefined) {
      const to = c.tileTo;
      const reps = (s: number[]) => [...to.map((d, j) => d / (s[j] as number)), 1, 1];
      a = tf.tile(a, reps(c.a));
      b = tf.tile(b, reps(c.b));
    }
    if (c.fused === undefined) return tf.matMul(a, b, c.ta, c.tb).dataSync().slice() as Float32Array;
    const { activation, bias, prelu } = c.fused;
    return tf.fused
      .matMul({
        a,
        b,
        transposeA: c.ta,
        transposeB: c.tb,
        bias: bias === undefined ? undefined : tf.tensor(values(size(bias), 80 + i), bias),
        activation,
        preluActivationWeights: activation === 'prelu' ? tf.tensor(values(size(prelu), 90 + i), prelu) : undefined,
        leakyreluAlpha: 0.3,
      })
      .dataSync()
      .slice() as Float32Array;
  });
}

/** core's groupNorm, forward and the gradients of Σ y·dy for x, gamma, beta (some inputs offset by 5: large means). */
function runGroupNorm(c: GroupNormCase, i: number): Float32Array[] {
  return tf.tidy(() => {
    const ch = c.x[3];
    const x = tf.add(tf.mul(tf.tensor4d(values(size(c.x), 100 + i), c.x), 2), i % 4 === 1 ? 5 : 0) as tf.Tensor4D;
    const gamma = tf.add(tf.tensor1d(values(ch, 110 + i)), 1) as tf.Tensor1D;
    const beta = tf.tensor1d(values(ch, 120 + i));
    const options = { eps: c.eps, activation: c.silu ? 'silu' : 'linear' } as const;
    const y = groupNorm(x, gamma, beta, c.groups, options);
    const dy = tf.tensor(values(y.size, 130 + i), y.shape);
    const grads = tf.grads((a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
      tf.sum(tf.mul(groupNorm(a as tf.Tensor4D, g as tf.Tensor1D, b as tf.Tensor1D, c.groups, options), dy)))([x, gamma, beta]);
    return [y, ...grads].map((t) => t.dataSync().slice() as Float32Array);
  });
}

/** Sum and Mean of one reduction case (values offset by 3 so the sums are not near zero). */
function runReduce(c: ReduceCase, i: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.add(tf.tensor(values(c.shape.reduce((a, b) => a * b, 1), 170 + i), c.shape), 3);
    const axis = c.axis === null ? undefined : c.axis;
    return [tf.sum(x, axis, c.keepDims), tf.mean(x, axis, c.keepDims)].map((t) => t.dataSync().slice() as Float32Array);
  });
}

/** Concat of one case, a split of the result back into the parts, and the gradient of Σ concat·dy for every part. */
function runConcat(c: ConcatCase, i: number): Float32Array[] {
  return tf.tidy(() => {
    const parts = c.parts.map((shape, j) => tf.tensor(values(size(shape), 190 + 7 * i + j), shape));
    const y = tf.concat(parts, c.axis);
    const rank = c.parts[0]!.length;
    const axis = c.axis < 0 ? c.axis + rank : c.axis;
    const back = tf.split(y, c.parts.map((shape) => shape[axis]!), c.axis);
    const dy = tf.tensor(values(y.size, 180 + i), y.shape);
    const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(tf.concat(xs, c.axis), dy)))(parts);
    return [y, ...back, ...grads].map((t) => t.dataSync().slice() as Float32Array);
  });
}

/** a + b of one broadcast case, and the gradients of Σ (a + b)·dy for a and b (Sums over the broadcast axes). */
function runAdd(c: AddCase, i: number): Float32Array[] {
  return tf.tidy(() => {
    const a = tf.tensor(values(size(c.a), 200 + i), c.a);
    const b = tf.tensor(values(size(c.b), 230 + i), c.b);
    const y = tf.add(a, b);
    const dy = tf.tensor(values(y.size, 260 + i), y.shape);
    const grads = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.add(p, q), dy)))([a, b]);
    return [y, ...grads].map((t) => t.dataSync().slice() as Float32Array);
  });
}

/** The Sum of one strided case (values offset by 3 so the sums are not near zero). */
function runStridedSum(c: StridedSumCase, i: number): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.tensor(values(size(c.shape), 290 + i).map((v) => v + 3), c.shape);
    return [tf.sum(x, c.axes, c.keepDims).dataSync().slice() as Float32Array];
  });
}

/**
 * core's gaussianGram on the Gram form of rows a, b (computed here in float64, so both paths get bit-identical inputs:
 * for shared rows the distance is pure cancellation and a matmul's rounding would decide the clamp): the matrix and
 * the gradients of Σ K·dk for gram, xx, yy and a tensor σ.
 */
function runGaussianGram(c: GaussianGramCase, i: number): Float32Array[] {
  const av = values(c.n * c.d, 140 + i);
  const bv = values(c.m * c.d, 150 + i);
  if (c.shared) for (let r = 0; r < Math.min(c.n, c.m - 1); r++) bv.set(av.subarray(r * c.d, (r + 1) * c.d), r * c.d);
  const dot = (x: Float32Array, p: number, y: Float32Array, q: number): number => {
    let s = 0;
    for (let k = 0; k < c.d; k++) s += x[p * c.d + k]! * y[q * c.d + k]!;
    return s;
  };
  const gram = Float32Array.from({ length: c.n * c.m }, (_, e) => dot(av, Math.floor(e / c.m), bv, e % c.m));
  const xx = Float32Array.from({ length: c.n }, (_, r) => dot(av, r, av, r));
  const yy = Float32Array.from({ length: c.m }, (_, r) => dot(bv, r, bv, r));
  return tf.tidy(() => {
    const inputs = [tf.tensor2d(gram, [c.n, c.m]), tf.tensor1d(xx), tf.tensor1d(yy)];
    const dk = tf.tensor2d(values(c.n * c.m, 160 + i), [c.n, c.m]);
    const k = (g: tf.Tensor, x: tf.Tensor, y: tf.Tensor, s: tf.Tensor | number) =>
      gaussianGram(g as tf.Tensor2D, x as tf.Tensor1D, y as tf.Tensor1D, s as tf.Scalar | number);
    const out: tf.Tensor[] = [k(inputs[0]!, inputs[1]!, inputs[2]!, c.sigma)];
    if (c.sigmaTensor) out.push(...tf.grads((g: tf.Tensor, x: tf.Tensor, y: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(k(g, x, y, s), dk)))([...inputs, tf.scalar(c.sigma)]));
    else out.push(...tf.grads((g: tf.Tensor, x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(k(g, x, y, c.sigma), dk)))(inputs));
    return out.map((t) => t.dataSync().slice() as Float32Array);
  });
}

/**
 * Even cases run on the whole OpenMP team even though they are small, odd cases on one thread (the
 * addon's default below 8 MFLOP), so both paths are checked.
 */
function useAllThreads(i: number): void {
  if (native.ok) native.addon.setParallelMinFlops(i % 2 === 0 ? 0 : 8e6);
}

/** A step touching every native kernel, for the leak checks. */
function mixedStep(): number {
  return tf.tidy(() => {
    const x = tf.tensor4d(values(2 * 9 * 7 * 3, 1), [2, 9, 7, 3]);
    const w = tf.tensor4d(values(3 * 3 * 3 * 4, 2), [3, 3, 3, 4]);
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, w]);
    const f = tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', bias: tf.ones([4]), activation: 'relu' });
    const m = tf.matMul(tf.ones([3, 5, 4]), tf.ones([3, 6, 4]), false, true);
    const fm = tf.fused.matMul({ a: tf.ones([5, 4]), b: tf.ones([4, 3]), bias: tf.ones([3]), activation: 'elu' });
    const [gn] = tf.grads((a: tf.Tensor) => tf.sum(tf.square(groupNorm(a as tf.Tensor4D, tf.ones([3]), tf.zeros([3]), 3, { activation: 'silu' }))))([x]);
    const rows = tf.reshape(x, [6, 63]) as tf.Tensor2D;
    const [gk] = tf.grads((a: tf.Tensor) => tf.sum(gaussianGram(tf.matMul(a as tf.Tensor2D, rows, false, true), tf.sum(tf.square(a), 1) as tf.Tensor1D,
      tf.sum(tf.square(rows), 1) as tf.Tensor1D, tf.scalar(30))))([rows]);
    const [gc] = tf.grads((a: tf.Tensor) => tf.sum(tf.square(tf.concat([a, x], 3))))([x]);
    return tf.addN([gx!.sum(), gw!.sum(), f.sum(), m.sum(), fm.sum(), gn!.sum(), gk!.sum(), gc!.sum()]).dataSync()[0] as number;
  });
}

if (native.ok || required) {
  let convRefs: Float32Array[][] = [];
  let matMulRefs: Float32Array[] = [];
  let groupNormRefs: Float32Array[][] = [];
  let gaussianGramRefs: Float32Array[][] = [];
  let reduceRefs: Float32Array[][] = [];
  let concatRefs: Float32Array[][] = [];
  let addRefs: Float32Array[][] = [];
  let stridedRefs: Float32Array[][] = [];

  beforeAll(async () => {
    if (!native.ok) throw new Error(`ROBUSTJS_NATIVE_REQUIRED=1 but the addon is unavailable: ${native.reason}`);
    // References from the stock cpu kernels, before anything is registered natively on cpu. The wasm
    // backend is not initialised yet: it starts in the wasm suite after registerNativeKernels('wasm'), so
    // the stock wasm kernels' setupFunc runs through the native configs (checked by the fallback test).
    await tf.setBackend('cpu');
    convRefs = CONV.map((c, i) => runConv(c, i));
    matMulRefs = MATMUL.map((c, i) => runMatMul(c, i, true));
    if (groupNormIsFused()) throw new Error('the references must come from the tfjs-op GroupNorm');
    groupNormRefs = GROUP_NORM.map((c, i) => runGroupNorm(c, i));
    if (gaussianGramIsFused()) throw new Error('the references must come from the tfjs-op gaussianGram');
    gaussianGramRefs = GAUSSIAN_GRAM.map((c, i) => runGaussianGram(c, i));
    reduceRefs = REDUCE.map((c, i) => runReduce(c, i));
    concatRefs = CONCAT.map((c, i) => runConcat(c, i));
    addRefs = ADD.map((c, i) => runAdd(c, i));
    stridedRefs = STRIDED.map((c, i) => runStridedSum(c, i));
    registerWasmKernels();
  });

  const describeNative = (backend: NativeBackendName): void => {
    describe(`native kernels on ${backend}`, () => {
      const previous = new Map<string, tf.KernelConfig | undefined>();

      beforeAll(async () => {
        for (const name of NATIVE_KERNEL_NAMES) previous.set(name, tf.getKernel(name, backend));
        const r = registerNativeKernels(backend);
        expect(r).toEqual({ ok: true, kernels: [...NATIVE_KERNEL_NAMES] });
        await tf.setBackend(backend);
        await tf.ready();
      });

      afterAll(() => {
        unregisterNativeKernels(backend);
      });

      it('replace the fifteen kernels, keep the previous setup, and are idempotent', () => {
        expect(registerNativeKernels(backend).ok).toBe(true);
        for (const name of NATIVE_KERNEL_NAMES) {
          const now = tf.getKernel(name, backend);
          expect(now).toBeDefined();
          expect(now).not.toBe(previous.get(name));
          expect(now?.setupFunc).toBe(previous.get(name)?.setupFunc);
        }
      });

      /**
       * One conformance case: runs `run` (alternating thread settings by case), checks that it leaves no tensor behind,
       * that every output matches the stock-cpu reference to `tol` (errors relative to max(|reference|, `floor`)), and
       * that each named native kernel ran exactly as often as `calls` says.
       */
      const expectConforms = (i: number, run: () => Float32Array[], ref: Float32Array[], calls: Partial<Record<NativeKernelName, number>>, tol = 1e-4, floor?: number): void => {
        useAllThreads(i);
        const before = nativeKernelStats(backend);
        const tensors = tf.memory().numTensors;
        const got = run();
        expect(tf.memory().numTensors).toBe(tensors);
        expect(got.length).toBe(ref.length);
        got.forEach((g, j) => {
          expect(g.length).toBe((ref[j] as Float32Array).length);
          expect(relativeError(g, ref[j] as Float32Array, floor), `output ${j}`).toBeLessThan(tol);
        });
        const after = nativeKernelStats(backend);
        for (const [kernel, n] of Object.entries(calls) as [NativeKernelName, number][]) expect(after[kernel]!.native - before[kernel]!.native, kernel).toBe(n);
      };

      it.each(CONV.map((c, i) => [i, `${c.x.join('x')} * ${c.f.join('x')} s${c.strides.join(',')} d${c.dilations.join(',')} ${typeof c.pad === 'string' ? c.pad : 'explicit'} ${c.activation}`, c] as const))(
        'conv case %i (%s): forward, fused forward and gradients agree with stock cpu to 1e-4',
        (i, _name, c) => expectConforms(i, () => runConv(c, i), convRefs[i] as Float32Array[], {
          Conv2D: c.grad ? 2 : 1, FusedConv2D: 1, Conv2DBackpropInput: c.grad ? 1 : 0, Conv2DBackpropFilter: c.grad ? 1 : 0,
        }),
      );

      it.each(MATMUL.map((c, i) => [i, `${c.a.join('x')}${c.ta ? 'ᵀ' : ''} * ${c.b.join('x')}${c.tb ? 'ᵀ' : ''} ${c.fused?.activation ?? ''}`, c] as const))(
        'matmul case %i (%s) agrees with stock cpu to 1e-4',
        (i, _name, c) => expectConforms(i, () => [runMatMul(c, i, false)], [matMulRefs[i] as Float32Array], { [c.fused === undefined ? 'BatchMatMul' : '_FusedMatMul']: 1 }),
      );

      it.each(GROUP_NORM.map((c, i) => [i, `${c.x.join('x')} groups ${c.groups}${c.silu ? ' + silu' : ''} eps ${c.eps}`, c] as const))(
        'group norm case %i (%s): fused forward and gradients agree with the tfjs ops on stock cpu to 1e-4',
        (i, _name, c) => {
          expect(groupNormIsFused()).toBe(true);
          expect((groupNormRefs[i] as Float32Array[]).length).toBe(4);
          // errors relative to max(|reference|, 1e-2): in groups of 1–2 values the input gradient is zero up to
          // rounding (x̂ = ±1), so its own maximum is no scale
          expectConforms(i, () => runGroupNorm(c, i), groupNormRefs[i] as Float32Array[], { RobustGroupNorm: 2, RobustGroupNormGrad: 1 }, 1e-4, 1e-2);
        },
      );

      it('group norm flushes denormals only inside its own threads: float32 denormals survive in tfjs and JS after it', () => {
        const tiny = 2e-39; // a float32 denormal (the smallest normal is 1.18e-38)
        const [before, after, js] = tf.tidy(() => {
          const x = tf.tensor4d(values(2 * 28 * 28 * 32, 3), [2, 28, 28, 32]);
          const d = (): number => tf.mul(tf.tensor1d([tiny]), tf.scalar(2)).dataSync()[0] as number;
          const b = d();
          groupNorm(x, tf.ones([32]), tf.zeros([32]), 8, { activation: 'silu' }).dataSync();
          tf.grad((a: tf.Tensor) => tf.sum(groupNorm(a as tf.Tensor4D, tf.ones([32]), tf.zeros([32]), 8, { activation: 'silu' })))(x).dataSync();
          return [b, d(), Math.fround(tiny) * Number(String(3))];
        });
        expect(before).toBe(Math.fround(2 * Math.fround(tiny)));
        expect(after).toBe(before);
        expect(js).toBeGreaterThan(0);
      });

      it.each(GAUSSIAN_GRAM.map((c, i) => [i, `${c.n}x${c.m} d ${c.d} sigma ${c.sigma}${c.sigmaTensor ? ' (tensor)' : ''}${c.shared ? ' shared rows' : ''}`, c] as const))(
        'gaussian gram case %i (%s): fused matrix and gradients agree with the tfjs ops on stock cpu to 1e-4',
        (i, _name, c) => {
          expect(gaussianGramIsFused()).toBe(true);
          expect((gaussianGramRefs[i] as Float32Array[]).length).toBe(c.sigmaTensor ? 5 : 4);
          expectConforms(i, () => runGaussianGram(c, i), gaussianGramRefs[i] as Float32Array[], { RobustGaussianGram: 2, RobustGaussianGramGrad: 1 });
        },
      );

      it.each(REDUCE.map((c, i) => [i, `${c.shape.join('x')} axis ${JSON.stringify(c.axis)}${c.keepDims ? ' keepDims' : ''}`, c] as const))(
        'reduction case %i (%s): Sum and Mean agree with stock cpu to 1e-6',
        (i, _name, c) => expectConforms(i, () => runReduce(c, i), reduceRefs[i] as Float32Array[], { Sum: 1, Mean: 1 }, 1e-6),
      );

      it.each(CONCAT.map((c, i) => [i, `${c.parts.map((p) => p.join('x')).join(' | ')} axis ${c.axis}`, c] as const))(
        'concat case %i (%s): Concat, SplitV and the gradient of concat equal stock cpu bit for bit',
        (i, _name, c) => {
          const n = c.parts.length;
          expect((concatRefs[i] as Float32Array[]).length).toBe(1 + 2 * n);
          // a copy: every error must be exactly zero (nothing is below Number.MIN_VALUE but 0)
          expectConforms(i, () => runConcat(c, i), concatRefs[i] as Float32Array[], { Concat: 2, SplitV: 2 }, Number.MIN_VALUE);
        },
      );

      // cpu's own kernels add in double, wasm's and ours (on wasm) in float: the sums match cpu's bit for bit on cpu
      const sumTol = backend === 'cpu' ? Number.MIN_VALUE : 1e-5;

      it.each(ADD.map((c, i) => [i, `${c.a.join('x')} + ${c.b.join('x')}`, c] as const))(
        'add case %i (%s): Add equals stock cpu bit for bit, its gradients (strided Sums) to 1e-5 (bit for bit on cpu)',
        (i, _name, c) => {
          const ref = addRefs[i] as Float32Array[];
          expect(ref.length).toBe(3);
          expectConforms(i, () => runAdd(c, i), ref, { Add: 2 }, sumTol);
          expect(relativeError(runAdd(c, i)[0]!, ref[0]!)).toBe(0);
        },
      );

      it.each(STRIDED.map((c, i) => [i, `${c.shape.join('x')} axes ${JSON.stringify(c.axes)}${c.keepDims ? ' keepDims' : ''}`, c] as const))(
        'strided sum case %i (%s): Sum agrees with stock cpu to 1e-5 (bit for bit on cpu)',
        (i, _name, c) => expectConforms(i, () => runStridedSum(c, i), stridedRefs[i] as Float32Array[], { Sum: 1 }, sumTol),
      );

      it('Add and the strided Sum equal the backend\'s own kernels bit for bit', () => {
        const stock = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>): Float32Array => {
          const config = previous.get(name);
          if (config === undefined) throw new Error(`no stock ${name} on ${backend}`);
          const info = config.kernelFunc({ inputs, backend: tf.backend(), attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
          const t = tf.engine().makeTensorFromTensorInfo(info);
          const out = t.dataSync().slice() as Float32Array;
          t.dispose();
          return out;
        };
        const tensors = tf.memory().numTensors;
        const before = nativeKernelStats(backend);
        tf.tidy(() => {
          ADD.forEach((c, i) => {
            const a = tf.tensor(values(size(c.a), 300 + i), c.a);
            const b = tf.tensor(values(size(c.b), 330 + i), c.b);
            expect(tf.add(a, b).dataSync(), `add case ${i}`).toEqual(stock('Add', { a, b }, {}));
          });
          STRIDED.forEach((c, i) => {
            const x = tf.tensor(values(size(c.shape), 360 + i), c.shape);
            const attrs = { axis: c.axes, keepDims: c.keepDims };
            expect(tf.sum(x, c.axes, c.keepDims).dataSync(), `sum case ${i}`).toEqual(stock('Sum', { x }, attrs));
          });
        });
        const after = nativeKernelStats(backend);
        expect(after.Add!.native - before.Add!.native).toBe(ADD.length);
        expect(after.Sum!.native - before.Sum!.native).toBe(STRIDED.length);
        expect(tf.memory().numTensors).toBe(tensors);
      });

      it('Add hands int32 and small additions to the previous kernel, with the same values', () => {
        const before = nativeKernelStats(backend);
        const got = tf.tidy(() => {
          const ints = tf.add(tf.fill([100, 100], 2, 'int32'), tf.scalar(3, 'int32'));
          const small = tf.add(tf.ones([10, 10]), tf.tensor1d([0.5, 1.5, 0.5, 1.5, 0.5, 1.5, 0.5, 1.5, 0.5, 1.5]));
          const big = tf.add(tf.fill([100, 100], 1), tf.scalar(2));
          return [ints, small, big].map((t) => [t.dtype, Array.from(t.dataSync()).slice(0, 3)]);
        });
        const after = nativeKernelStats(backend);
        expect(got).toEqual([['int32', [5, 5, 5]], ['float32', [1.5, 2.5, 1.5]], ['float32', [3, 3, 3]]]);
        expect(after.Add!.fallback - before.Add!.fallback).toBe(2);
        expect(after.Add!.native - before.Add!.native).toBe(1);
      });

      it('Concat and SplitV hand int32, empty parts and a lone part to the previous kernel, with the same values', () => {
        const before = nativeKernelStats(backend);
        const got = tf.tidy(() => {
          const ints = tf.concat([tf.tensor1d([1, 2], 'int32'), tf.tensor1d([3], 'int32')]);
          const withEmpty = tf.concat([tf.ones([2, 0]), tf.fill([2, 3], 2)], 1);
          const split = tf.split(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]), [0, 3], 1);
          return [ints, withEmpty, ...split].map((t) => [t.shape, Array.from(t.dataSync())]);
        });
        const after = nativeKernelStats(backend);
        expect(got).toEqual([[[3], [1, 2, 3]], [[2, 3], [2, 2, 2, 2, 2, 2]], [[2, 0], []], [[2, 3], [1, 2, 3, 4, 5, 6]]]);
        expect(after.Concat!.fallback - before.Concat!.fallback).toBe(2);
        expect(after.SplitV!.fallback - before.SplitV!.fallback).toBe(1);
        expect(after.Concat!.native - before.Concat!.native).toBe(0);
        expect(after.SplitV!.native - before.SplitV!.native).toBe(0);
      });

      it('Sum and Mean hand small and int32 reductions and Mean over other axes to the previous kernel, same values', () => {
        const before = nativeKernelStats(backend);
        const got = tf.tidy(() => {
          const big = tf.tensor3d(values(40 * 30 * 20, 9), [40, 30, 20]);
          return [tf.sum(big, 0), tf.mean(big, [0, 2]), tf.sum(tf.ones([10, 10])), tf.sum(tf.ones([100, 100], 'int32'))].map((t) => Array.from(t.dataSync()));
        });
        const after = nativeKernelStats(backend);
        expect(after.Sum!.fallback - before.Sum!.fallback).toBe(2);
        expect(after.Mean!.fallback - before.Mean!.fallback).toBe(1);
        expect(after.Sum!.native - before.Sum!.native).toBe(1); // axis 0: strided
        expect(got[2]).toEqual([100]);
        expect(got[3]).toEqual([10000]);
        const x = values(40 * 30 * 20, 9);
        let s00 = 0;
        for (let a = 0; a < 40; a++) s00 += x[a * 600]!; // sum over axis 0 at (0, 0)
        expect(got[0]![0]).toBeCloseTo(s00, 4);
        expect(got[0]!.length).toBe(600);
        expect(got[1]!.length).toBe(30);
      });

      it('ran every configuration natively: no fallback (except the selective kernels), no addon error', () => {
        const stats = nativeKernelStats(backend);
        for (const name of NATIVE_KERNEL_NAMES) {
          expect(stats[name], name).toMatchObject({ errors: 0, ...(SELECTIVE.has(name) ? {} : { fallback: 0 }) });
          expect(stats[name]!.native, name).toBeGreaterThan(0);
        }
      });

      it('hand unsupported configurations to the previous kernel (per-element prelu slopes, empty tensors)', () => {
        const before = nativeKernelStats(backend);
        const run = () =>
          tf.tidy(() => {
            const x = tf.tensor4d(values(2 * 5 * 5 * 2, 5), [2, 5, 5, 2]);
            const w = tf.tensor4d(values(3 * 3 * 2 * 4, 6), [3, 3, 2, 4]);
            const alpha = tf.tensor3d(values(5 * 5 * 4, 7), [5, 5, 4]);
            const y = tf.fused.conv2d({ x, filter: w, strides: 1, pad: 'same', activation: 'prelu', preluActivationWeights: alpha });
            const ref = tf.prelu(tf.conv2d(x, w, 1, 'same') as tf.Tensor, alpha);
            const empty = tf.matMul(tf.ones([0, 3]), tf.ones([3, 2]));
            return [relativeError(y.dataSync(), ref.dataSync()), empty.size];
          });
        const [err, emptySize] = run();
        expect(err).toBeLessThan(1e-5);
        expect(emptySize).toBe(0);
        const after = nativeKernelStats(backend);
        expect(after.FusedConv2D!.fallback - before.FusedConv2D!.fallback).toBe(1);
        expect(after.BatchMatMul!.fallback - before.BatchMatMul!.fallback).toBe(1);
      });

      it('leak no tensors and no backend data', () => {
        const backendData = tf.backend() as unknown as { numDataIds(): number };
        mixedStep();
        const ids = backendData.numDataIds();
        const tensors = tf.memory().numTensors;
        for (let i = 0; i < 5; i++) expect(Number.isFinite(mixedStep())).toBe(true);
        expect(backendData.numDataIds()).toBe(ids);
        expect(tf.memory().numTensors).toBe(tensors);
      });

      it('unregister restores exactly the kernels registered before', () => {
        expect(unregisterNativeKernels(backend)).toBe(true);
        expect(unregisterNativeKernels(backend)).toBe(false);
        for (const name of NATIVE_KERNEL_NAMES) expect(tf.getKernel(name, backend)).toBe(previous.get(name));
        expect(nativeKernelStats(backend)).toEqual({});
        // The previous kernels still compute after the round trip.
        const m = tf.tidy(() => tf.matMul(tf.ones([2, 3]), tf.ones([4, 3]), false, true).dataSync().slice());
        expect(Array.from(m)).toEqual(new Array(8).fill(3));
      });
    });
  };

  describeNative('wasm');
  describeNative('cpu');
} else {
  it('the addon is not built here: loadNative reports ok: false with the reason (set ROBUSTJS_NATIVE_REQUIRED=1 to fail instead)', () => {
    expect(native.ok).toBe(false);
    expect(native.ok ? '' : native.reason).toMatch(/ROBUSTJS_NATIVE=0|does not exist|cannot load|failed to load|could not be loaded/);
  });
}
