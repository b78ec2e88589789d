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

/**
 * `Sum` and `Mean` over the innermost axes of a float32 tensor of at least {@link NATIVE_REDUCE_MIN_SIZE} elements:
 * one pass on every core, accumulated in double over fixed blocks (the same numbers for any thread count; tfjs's cpu
 * backend also accumulates in double, wasm's in float). Anything else (other dtypes or axes, small tensors) → the
 * backend's own kernel.
 */
export function nativeReduce(addon: NativeAddon, io: BackendIO, mean: boolean): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: Info };
    const { axis, keepDims } = attrs as unknown as { axis: number | number[] | null; keepDims: boolean };
    if (x.dtype !== 'float32') return undefined;
    const plan = planReduce(x.shape, axis, keepDims === true);
    if (plan === undefined) return undefined;
    return io.run(backend, [x], plan.outShape, (v, out) => addon.rowReduce(v[0]!, out, [plan.rows, plan.len], mean));
  };
}
