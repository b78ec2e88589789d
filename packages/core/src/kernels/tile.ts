import type * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { stockKernels } from './wasmOps';

type Heap = Float32Array | Int32Array | Uint8Array;

/**
 * `Tile` on wasm as block copies on the heap. The stock kernel computes an index per output element (about 80 ms
 * to broadcast one number to 1024×1024 on this machine, the shape of every `sum`/`mean` gradient of an MMD kernel
 * matrix); here the input's rows are placed at their final offsets once, and each axis, innermost first, is then
 * repeated by `copyWithin` with doubling (or `fill` for single elements). Exact for every dtype the wasm backend
 * stores (float32, int32, bool); string tensors go to the stock kernel.
 */
export function tile(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  const { reps } = args.attrs as unknown as { reps: number[] };
  if (x.dtype === 'string' || x.dtype === 'complex64' || reps.length !== x.shape.length) {
    return stockKernels.get('Tile')!.kernelFunc(args as never) as tf.TensorInfo;
  }
  const backend = args.backend as BackendWasm;
  const inShape = x.shape;
  const rank = inShape.length;
  const outShape = inShape.map((s, i) => s * reps[i]!);
  const out = backend.makeOutput(outShape, x.dtype);
  const size = outShape.reduce((a, b) => a * b, 1);
  if (size === 0) return out;
  if (rank === 0) {
    (backend.typedArrayFromHeap(out) as Heap).set(backend.typedArrayFromHeap(x) as Heap);
    return out;
  }
  // Views after makeOutput (an allocation can move the heap).
  const src = backend.typedArrayFromHeap(x) as Heap;
  const dst = backend.typedArrayFromHeap(out) as Heap;
  const outStrides = new Array<number>(rank);
  outStrides[rank - 1] = 1;
  for (let i = rank - 2; i >= 0; i--) outStrides[i] = outStrides[i + 1]! * outShape[i + 1]!;
  // 1. each input row (last axis) at its final offset, every repetition index 0
  const rowLen = inShape[rank - 1]!;
  const rows = src.length / rowLen;
  const index = new Array<number>(rank - 1).fill(0);
  for (let r = 0; r < rows; r++) {
    let offset = 0;
    for (let j = 0; j < rank - 1; j++) offset += index[j]! * outStrides[j]!;
    if (rowLen < 32) {
      // short rows (a [n, 1] column broadcast): element copies beat creating a subarray per row
      for (let c = 0, from = r * rowLen; c < rowLen; c++) dst[offset + c] = src[from + c]!;
    } else {
      dst.set(src.subarray(r * rowLen, (r + 1) * rowLen), offset);
    }
    for (let j = rank - 2; j >= 0; j--) {
      if (++index[j]! < inShape[j]!) break;
      index[j] = 0;
    }
  }
  // 2. repeat along each axis k, innermost first: for every input prefix (i_0..i_{k-1}), the chunk of
  //    inShape[k] complete blocks is copied to the reps[k] − 1 positions after it.
  for (let k = rank - 1; k >= 0; k--) {
    const p = reps[k]!;
    if (p === 1) continue;
    const chunk = inShape[k]! * outStrides[k]!;
    const total = chunk * p;
    let prefixes = 1;
    for (let j = 0; j < k; j++) prefixes *= inShape[j]!;
    const prefix = new Array<number>(k).fill(0);
    for (let q = 0; q < prefixes; q++) {
      let base = 0;
      for (let j = 0; j < k; j++) base += prefix[j]! * outStrides[j]!;
      if (chunk === 1) {
        dst.fill(dst[base]!, base + 1, base + total);
      } else {
        for (let done = chunk; done < total; done *= 2) dst.copyWithin(base + done, base, base + Math.min(done, total - done));
      }
      for (let j = k - 1; j >= 0; j--) {
        if (++prefix[j]! < inShape[j]!) break;
        prefix[j] = 0;
      }
    }
  }
  return out;
}
