import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import type { NativeKernel } from './conv2D';

/** Reductions smaller than this stay on the backend's own kernel (the call costs more than the pass). */
export const NATIVE_REDUCE_MIN_SIZE = 4096;

/** [rows, len] and the output shape when `axis` names the innermost axes of x, else undefined. */
export function planReduce(shape: readonly number[], axis: number | number[] | null | undefined, keepDims: boolean): { rows: number; len: number; outShape: number[] } | undefined {
  const rank = shape.length;
  const axes = [...new Set(tf.util.parseAxisParam(axis as number | number[], [...shape]))].sort((a, b) => a - b);
  if (axes.length === 0) return undefined;
  if (axes.some((a, i) => a !== rank - axes.length + i)) return undefined; // not the innermost axes
  const outer = shape.slice(0, rank - axes.length);
  const rows = outer.reduce((a, b) => a * b, 1);
  const len = shape.slice(rank - axes.length).reduce((a, b) => a * b, 1);
  if (rows * len < NATIVE_REDUCE_MIN_SIZE) return undefined;
  return { rows, len, outShape: keepDims ? [...outer, ...axes.map(() => 1)] : outer };
}

/** The loops of a sum over axes that are not the innermost: kept and summed dims with x's strides along them. */
export interface StridedPlan {
  readonly keptDims: number[];
  readonly keptStrides: number[];
  readonly sumDims: number[];
  readonly sumStrides: number[];
  readonly outShape: number[];
}

/**
 * The loops of a sum of x over `axis` when those are not (only) the innermost axes, the summed axes in the order
 * given, as tfjs's wasm Sum transposes them; undefined for innermost or repeated axes and below
 * {@link NATIVE_REDUCE_MIN_SIZE} elements.
 */
export function planStridedSum(shape: readonly number[], axis: number | number[] | null | undefined, keepDims: boolean): StridedPlan | undefined {
  const rank = shape.length;
  const axes = tf.util.parseAxisParam(axis as number | number[], [...shape]);
  if (axes.length === 0 || new Set(axes).size !== axes.length) return undefined;
  const sorted = [...axes].sort((a, b) => a - b);
  if (sorted.every((a, i) => a === rank - axes.length + i)) return undefined; // innermost: planReduce's
  if (shape.reduce((a, b) => a * b, 1) < NATIVE_REDUCE_MIN_SIZE) return undefined;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  return {
    keptDims: kept.map((i) => shape[i]!),
    keptStrides: kept.map((i) => strides[i]!),
    sumDims: axes.map((i) => shape[i]!),
    sumStrides: axes.map((i) => strides[i]!),
    outShape: keepDims ? shape.map((d, i) => (axes.includes(i) ? 1 : d)) : kept.map((i) => shape[i]!),
  };
}

/**
 * `Sum` and `Mean` over the innermost axes of a float32 tensor of at least {@link NATIVE_REDUCE_MIN_SIZE} elements:
 * one pass on every core, accumulated in double over fixed blocks (the same numbers for any thread count; tfjs's cpu
 * backend also accumulates in double, wasm's in float). `Sum` over other axes (the gradient of a broadcast, e.g.
 * of the UNet's ×2 upsampling: [8,14,2,14,2,64] over axes 2 and 4) in one strided pass, from 0 in the order of
 * the axes given, in float on wasm and in double on cpu: bit for bit the backend's own Sum, which transposes x
 * first (on wasm 3–5× slower). Anything else (other dtypes, `Mean` over other axes, small tensors) → the
 * backend's own kernel.
 */
export function nativeReduce(addon: NativeAddon, io: BackendIO, mean: boolean): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: Info };
    const { axis, keepDims } = attrs as unknown as { axis: number | number[] | null; keepDims: boolean };
    if (x.dtype !== 'float32') return undefined;
    const plan = planReduce(x.shape, axis, keepDims === true);
    if (plan === undefined) {
      const strided = mean ? undefined : planStridedSum(x.shape, axis, keepDims === true);
      if (strided === undefined) return undefined;
      const { keptDims, keptStrides, sumDims, sumStrides } = strided;
      return io.run(backend, [x], strided.outShape, (v, out) => addon.stridedSum(v[0]!, out, keptDims, keptStrides, sumDims, sumStrides, io.sumsInDouble));
    }
    return io.run(backend, [x], plan.outShape, (v, out) => addon.rowReduce(v[0]!, out, [plan.rows, plan.len], mean));
  };
}
