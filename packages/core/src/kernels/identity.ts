import type * as tf from '@tensorflow/tfjs';
import { stockKernels } from './wasmOps';

/** The part of tfjs-backend-wasm's BackendWasm this kernel uses. */
interface WasmBackendLike {
  incRef(dataId: object): void;
}

/**
 * `Identity` on wasm without a copy: the output shares the input's buffer and the backend's reference count (as
 * the stock wasm `Reshape` and the cpu backend's `Identity` do; tfjs never writes into a kernel's input). tfjs
 * calls Identity for every tensor a gradient saves (`tf.clone` under the tape) and for `tf.clone` itself; the stock
 * wasm kernel copies each one, which on a UNet or MMD backward pass means copying every saved activation. String
 * tensors go to the stock kernel.
 */
export function identity(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const { x } = args.inputs as { x: tf.TensorInfo };
  if (x.dtype === 'string') return stockKernels.get('Identity')!.kernelFunc(args as never) as tf.TensorInfo;
  (args.backend as WasmBackendLike).incRef(x.dataId);
  return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
}
