import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import type { NativeKernel } from './conv2D';

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/**
 * `Concat` of float32 tensors along any axis: each input seen as [rows, width] (rows the product of the axes
 * before `axis`), copied block by block in one pass (tfjs's wasm and cpu kernels copy one row at a time from
 * JavaScript, e.g. 14 ms for two [8,28,28,64] tensors along the channels). Exact: a copy. Unsupported
 * (→ undefined): any non-float32 input, fewer than two non-empty inputs, an empty output.
 */
export function nativeConcat(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const all = (Array.isArray(inputs) ? inputs : Object.values(inputs)) as Info[];
    if (all.length === 0 || all.some((t) => t.dtype !== 'float32')) return undefined;
    const first = all[0]!;
    const axis = tf.util.parseAxisParam((attrs as { axis: number }).axis, [...first.shape])[0]!;
    tf.backend_util.assertParamsConsistent(all.map((t) => [...t.shape]), axis);
    const outShape = tf.backend_util.computeOutShape(all.map((t) => [...t.shape]), axis);
    const parts = all.filter((t) => product(t.shape) > 0);
    if (parts.length < 2) return undefined;
    const rows = product(first.shape.slice(0, axis));
    const widths = parts.map((t) => product(t.shape.slice(axis)));
    return io.run(backend, parts, outShape, (v, out) => addon.concatColumns(v, out, rows, widths));
  };
}

/**
 * `SplitV` (tfjs's `split`, and the gradient of `concat`) of a float32 tensor along any axis, the inverse copy of
 * {@link nativeConcat}. Unsupported (→ undefined): another dtype, an empty input or an empty part.
 */
export function nativeSplitV(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: Info };
    if (x.dtype !== 'float32' || product(x.shape) === 0) return undefined;
    const a = attrs as { numOrSizeSplits: number | number[]; axis: number };
    const axis = tf.util.parseAxisParam(a.axis, [...x.shape])[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x, a.numOrSizeSplits, axis);
    if (sizes.some((s) => s < 1)) return undefined;
    const rows = product(x.shape.slice(0, axis));
    const inner = product(x.shape.slice(axis + 1));
    const shapes = sizes.map((s) => x.shape.map((d, i) => (i === axis ? s : d)));
    return io.runMany(backend, [x], shapes, (v, outs) => addon.splitColumns(v[0]!, outs, rows, sizes.map((s) => s * inner)));
  };
}
