// A synchronous read (`dataSync`, `arraySync`, moving a tensor to another backend) for tfjs's
// webgpu backend in Node. tfjs reads synchronously through an OffscreenCanvas, which Node lacks
// ("OffscreenCanvas is not defined"), and WebGPU itself has no synchronous read: Dawn for Node
// completes `GPUBuffer.mapAsync` from a `setImmediate` callback. So the read copies the tensor's
// buffer into a staging buffer, as tfjs's async `read` does, and runs Node's event loop once at a
// time (`runOnce`, from @robustjs/native) until the staging buffer is mapped.
import * as tf from '@tensorflow/tfjs';

type BackendValues = tf.backend_util.BackendValues;

/** The members of tfjs-backend-webgpu 4.x's `WebGPUBackend` that the read uses. */
interface WebGpuBackendInternals {
  readonly tensorMap: {
    get(dataId: object): {
      values: BackendValues | null;
      dtype: tf.DataType;
      resource?: GpuBufferLike;
      complexTensorInfos?: { real: tf.TensorInfo; imag: tf.TensorInfo };
    } | undefined;
  };
  readonly bufferManager: {
    acquireBuffer(size: number, usage: number): GpuBufferLike;
    releaseBuffer(buffer: GpuBufferLike, reuse?: boolean): void;
  };
  commandEncoder: {
    copyBufferToBuffer(src: GpuBufferLike, srcOffset: number, dst: GpuBufferLike, dstOffset: number,
      size: number): void;
  } | null;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  convertAndCacheOnCPU(dataId: object, values: BackendValues): BackendValues;
  readSync(dataId: object): BackendValues;
}

/** What the read needs of a GPUBuffer (Dawn's or a browser's). */
interface GpuBufferLike {
  readonly size: number;
  readonly mapState: string;
  mapAsync(mode: number): Promise<void>;
  getMappedRange(): ArrayBuffer;
  unmap(): void;
}

const MAP_READ = 0x0001; // GPUBufferUsage.MAP_READ and GPUMapMode.READ
const COPY_DST = 0x0008; // GPUBufferUsage.COPY_DST

const patched = new WeakSet<object>();
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Gives a webgpu backend instance a synchronous `readSync` that works in Node: copy to a staging
 * buffer, `mapAsync`, and call `runOnce` (one turn of Node's event loop) until the buffer is
 * mapped. Values already on the CPU are returned as tfjs does; complex tensors read their parts.
 * Idempotent per backend.
 *
 * @param backend - the instance `tf.findBackend('webgpu')` returns (tfjs-backend-webgpu 4.x).
 * @param runOnce - runs Node's event loop once; `loadEventLoop().addon.runOnce` of
 *   `@robustjs/native`.
 * @throws Error from the installed `readSync` when mapping the staging buffer fails (device lost).
 */
export function installWebgpuReadSync(backend: tf.KernelBackend, runOnce: () => unknown): void {
  if (patched.has(backend)) return;
  // tfjs-backend-webgpu's private members, reached through the instance: the adapter boundary of
  // this file.
  const be = backend as unknown as WebGpuBackendInternals;
  be.readSync = function readSync(dataId: object): BackendValues {
    const data = be.tensorMap.get(dataId);
    if (data === undefined) throw new Error(`readSync: unknown tensor ${JSON.stringify(dataId)}`);
    if (data.values != null || data.dtype === 'string') return data.values as BackendValues;
    if (data.dtype === 'complex64' && data.complexTensorInfos !== undefined) {
      const real = be.readSync(data.complexTensorInfos.real.dataId) as Float32Array;
      const imag = be.readSync(data.complexTensorInfos.imag.dataId) as Float32Array;
      return be.convertAndCacheOnCPU(dataId, tf.backend_util.mergeRealAndImagArrays(real, imag));
    }
    const source = data.resource;
    if (source === undefined) throw new Error('readSync: a tensor without values or buffer');
    const staging = be.bufferManager.acquireBuffer(source.size, COPY_DST | MAP_READ);
    be.ensureCommandEncoderReady();
    be.endComputePassEncoder();
    be.commandEncoder?.copyBufferToBuffer(source, 0, staging, 0, source.size);
    be.submitQueue();
    // A failed map (device lost) settles the promise: its rejection is reported below, not left
    // unhandled.
    let failure: unknown;
    staging.mapAsync(MAP_READ).catch((e: unknown) => {
      failure = e;
    });
    // mapState leaves 'pending' inside Dawn's callback, which runs in the loop; promise reactions
    // would not (they are microtasks, drained only when the outermost callback returns). Dawn polls
    // with setImmediate, so each turn returns at once: after two turns, sleep 0.5 ms between turns
    // so that the main thread leaves the cores to the GPU driver (SwiftShader's threads) instead of
    // spinning.
    for (let turns = 0; staging.mapState === 'pending'; turns++) {
      runOnce();
      if (turns >= 2) Atomics.wait(sleeper, 0, 0, 0.5);
    }
    if (staging.mapState !== 'mapped') {
      be.bufferManager.releaseBuffer(staging);
      const why = `state ${staging.mapState}${failure === undefined ? '' : `, ${String(failure)}`}`;
      throw new Error(`robustjs webgpu readSync: mapping the staging buffer failed (${why})`);
    }
    const bytes = staging.getMappedRange().slice(0);
    staging.unmap();
    be.bufferManager.releaseBuffer(staging);
    const values = tf.util.convertBackendValuesAndArrayBuffer(bytes, data.dtype);
    return be.convertAndCacheOnCPU(dataId, values);
  };
  patched.add(backend);
}
