// Kernel composition for the wasm backend: our additions are built only from kernels the stock
// wasm backend already has (Conv2D, Transpose, Slice, BatchMatMul), called directly through the
// kernel registry on TensorInfos, plus plain data movement on the wasm heap.
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** A tensor as kernels see it. */
export type Info = tf.TensorInfo;

/** The stock kernels replaced by our additions, kept so the additions can fall back to them. */
export const stockKernels = new Map<string, tf.KernelConfig>();

/** Runs a wasm kernel (the stock one when we replaced it) and returns its output TensorInfo. */
export function runKernel(name: string, backend: BackendWasm, inputs: tf.NamedTensorInfoMap, attrs: object): Info {
  const config = stockKernels.get(name) ?? tf.getKernel(name, 'wasm');
  if (config === undefined) throw new Error(`robustjs: wasm kernel '${name}' is not registered`);
  // The registry's KernelFunc types attrs as NamedAttrMap; the configs we call accept these objects.
  return config.kernelFunc({ inputs, backend, attrs: attrs as unknown as tf.NamedAttrMap }) as Info;
}

/** Frees intermediate TensorInfos created inside a kernel. */
export function free(backend: BackendWasm, ...infos: Info[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

/** Transpose through the wasm kernel. */
export function transpose(backend: BackendWasm, x: Info, perm: number[]): Info {
  return runKernel('Transpose', backend, { x }, { perm });
}

/** `x[begin : begin+size]` through the wasm kernel. */
export function slice(backend: BackendWasm, x: Info, begin: number[], size: number[]): Info {
  return runKernel('Slice', backend, { x }, { begin, size });
}

/** Stride-1 NHWC convolution with explicit padding and dilation, through the wasm (XNNPACK) kernel. */
export function conv2d(backend: BackendWasm, x: Info, filter: Info, pads: [number, number, number, number], dilations: [number, number]): Info {
  const [top, bottom, left, right] = pads;
  return runKernel('Conv2D', backend, { x, filter }, {
    strides: [1, 1],
    pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
    dataFormat: 'NHWC',
    dilations,
    dimRoundingMode: undefined,
  });
}

/** A new float32 tensor on the wasm heap, filled by `fill(view)`; the view is valid only inside `fill`. */
export function makeFilled(backend: BackendWasm, shape: number[], fill: (out: Float32Array) => void): Info {
  const out = backend.makeOutput(shape, 'float32');
  fill(backend.typedArrayFromHeap(out) as Float32Array);
  return out;
}

/** Reads a float32 tensor's heap view (valid until the next allocation on the heap). */
export function view(backend: BackendWasm, x: Info): Float32Array {
  return backend.typedArrayFromHeap(x) as Float32Array;
}
