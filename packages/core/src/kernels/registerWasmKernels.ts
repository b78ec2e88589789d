import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { batchMatMul } from './batchMatMul';
import { conv2DBackpropFilter } from './conv2DBackpropFilter';
import { conv2DBackpropInput } from './conv2DBackpropInput';
import { identity } from './identity';
import { stockKernels } from './wasmOps';

const ADDITIONS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  { name: 'Conv2DBackpropFilter', kernelFunc: conv2DBackpropFilter as tf.KernelFunc },
  { name: 'Conv2DBackpropInput', kernelFunc: conv2DBackpropInput as tf.KernelFunc },
  { name: 'BatchMatMul', kernelFunc: batchMatMul as tf.KernelFunc },
  { name: 'Identity', kernelFunc: identity as tf.KernelFunc },
];

let installed = false;

/**
 * Installs robustjs's kernel additions into the wasm backend: a `Conv2DBackpropFilter` (stock wasm has
 * none, so conv training fails), a `Conv2DBackpropInput` that runs as an XNNPACK convolution with the
 * flipped filter (the stock one is a scalar loop), and a `BatchMatMul` that materialises transposed
 * operands so the product runs in XNNPACK, and an `Identity` that shares the input's buffer instead of
 * copying it (tfjs clones every tensor a gradient saves). Each is built from stock wasm kernels only and
 * checked against the cpu backend. Idempotent; the stock kernels are kept and restored by
 * {@link unregisterWasmKernels}. `initBackend()` and the `@robustjs/core/register` module call it.
 *
 * @returns the names of the kernels now provided by robustjs.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmKernels();
 * await tf.setBackend('wasm');
 * ```
 */
export function registerWasmKernels(): string[] {
  if (!installed) {
    for (const { name, kernelFunc } of ADDITIONS) {
      const stock = tf.getKernel(name, 'wasm');
      if (stock !== undefined) {
        stockKernels.set(name, stock);
        tf.unregisterKernel(name, 'wasm');
      }
      const config: tf.KernelConfig = { kernelName: name, backendName: 'wasm', kernelFunc };
      // Keep the stock setup (it binds the wasm functions the fallback path calls).
      if (stock?.setupFunc !== undefined) config.setupFunc = stock.setupFunc;
      if (stock?.disposeFunc !== undefined) config.disposeFunc = stock.disposeFunc;
      tf.registerKernel(config);
    }
    installed = true;
  }
  return ADDITIONS.map((a) => a.name);
}

/**
 * Removes robustjs's wasm kernel additions and restores the stock wasm kernels (for benchmarks and
 * comparisons). Idempotent.
 *
 * @example
 * ```ts
 * unregisterWasmKernels(); // stock wasm again: Conv2DBackpropFilter is missing
 * ```
 */
export function unregisterWasmKernels(): void {
  if (!installed) return;
  for (const { name } of ADDITIONS) {
    tf.unregisterKernel(name, 'wasm');
    const stock = stockKernels.get(name);
    if (stock !== undefined) tf.registerKernel(stock);
    stockKernels.delete(name);
  }
  installed = false;
}

/**
 * Whether {@link registerWasmKernels} is in force.
 *
 * @example
 * ```ts
 * if (!wasmKernelsRegistered()) registerWasmKernels();
 * ```
 */
export function wasmKernelsRegistered(): boolean {
  return installed;
}
