// How a native kernel reads its inputs and writes its output in place, per backend: on wasm the
// Float32Arrays are views into the wasm heap, on cpu they are the backend's own typed arrays.
import type * as tf from '@tensorflow/tfjs';

/** A tensor as kernels see it. */
export type Info = tf.TensorInfo;

/** The part of tfjs-backend-wasm's BackendWasm the kernels use. */
interface WasmBackendLike {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): ArrayBufferView;
  disposeData(dataId: object): boolean;
}

/** The part of tfjs-backend-cpu's MathBackendCPU the kernels use. */
interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: Float32Array): Info;
}

/** Computes a float32 output from float32 inputs, all as Float32Arrays read and written in place. */
export type Compute = (inputs: Float32Array[], out: Float32Array) => void;

/** Computes several float32 outputs from float32 inputs, in place. */
export type ComputeMany = (inputs: Float32Array[], outs: Float32Array[]) => void;

/** Allocation and in-place access for one backend. */
export interface BackendIO {
  /** Whether the backend's own kernels add in double (cpu: JavaScript numbers) rather than in float (wasm). */
  readonly sumsInDouble: boolean;
  /**
   * Allocates the output, takes views of `inputs` and the output, and runs `fn`. Returns undefined
   * (nothing allocated) when an input cannot be read in place; disposes the output if `fn` throws.
   */
  run(backend: unknown, inputs: readonly Info[], outShape: number[], fn: Compute): Info | undefined;
  /** Like `run`, with one output per shape of `outShapes` (all disposed if `fn` throws). */
  runMany(backend: unknown, inputs: readonly Info[], outShapes: number[][], fn: ComputeMany): Info[] | undefined;
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** wasm: every view is taken after `makeOutput`, because allocating can grow the heap and detach older views. */
export const wasmIO: BackendIO = {
  sumsInDouble: false,
  run(backend, inputs, outShape, fn) {
    return wasmIO.runMany(backend, inputs, [outShape], (views, outs) => fn(views, outs[0]!))?.[0];
  },
  runMany(backend, inputs, outShapes, fn) {
    const b = backend as WasmBackendLike;
    const outs = outShapes.map((shape) => b.makeOutput(shape, 'float32'));
    try {
      const views = inputs.map((x) => b.typedArrayFromHeap(x) as Float32Array);
      fn(views, outs.map((o) => b.typedArrayFromHeap(o) as Float32Array));
    } catch (e) {
      for (const o of outs) b.disposeData(o.dataId);
      throw e;
    }
    return outs;
  },
};

/** cpu: the backend's Float32Array values; the output array is handed to the backend without a copy. */
export const cpuIO: BackendIO = {
  sumsInDouble: true,
  run(backend, inputs, outShape, fn) {
    return cpuIO.runMany(backend, inputs, [outShape], (views, outs) => fn(views, outs[0]!))?.[0];
  },
  runMany(backend, inputs, outShapes, fn) {
    const b = backend as CpuBackendLike;
    const views: Float32Array[] = [];
    for (const x of inputs) {
      const values = b.data.get(x.dataId)?.values;
      if (!(values instanceof Float32Array) || values.length < size(x.shape)) return undefined;
      views.push(values);
    }
    const outs = outShapes.map((shape) => new Float32Array(size(shape)));
    fn(views, outs);
    return outs.map((o, i) => b.makeTensorInfo(outShapes[i]!, 'float32', o));
  },
};
