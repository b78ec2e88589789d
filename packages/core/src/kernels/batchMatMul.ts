import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { free, runKernel, transpose, type Info } from './wasmOps';

/**
 * A faster `BatchMatMul` for the wasm backend. The stock kernel runs XNNPACK only for untransposed
 * operands; `a·bᵀ` (every MMD kernel matrix, every matmul in a backward pass) falls into a scalar loop.
 * Here a transposed operand is materialised first by the Transpose kernel (cheap, O(size)), and the
 * product then runs untransposed.
 */
export function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { a, b } = args.inputs as { a: Info; b: Info };
  const attrs = args.attrs as unknown as tf.BatchMatMulAttrs;
  if ((!attrs.transposeA && !attrs.transposeB) || a.dtype !== 'float32' || b.dtype !== 'float32') {
    return runKernel('BatchMatMul', backend, args.inputs, attrs);
  }
  const swapLast = (x: Info): Info => {
    const r = x.shape.length;
    const perm = [...Array(r).keys()];
    perm[r - 2] = r - 1;
    perm[r - 1] = r - 2;
    return transpose(backend, x, perm);
  };
  const aa = attrs.transposeA ? swapLast(a) : a;
  const bb = attrs.transposeB ? swapLast(b) : b;
  const out = runKernel('BatchMatMul', backend, { a: aa, b: bb }, { transposeA: false, transposeB: false });
  if (aa !== a) free(backend, aa);
  if (bb !== b) free(backend, bb);
  return out;
}
