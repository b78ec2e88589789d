import * as tf from '@tensorflow/tfjs';
import { RobustError } from '../errors';
import { batchMatMul } from './batchMatMul';
import { conv2DBackpropFilter } from './conv2DBackpropFilter';
import { conv2DBackpropInput } from './conv2DBackpropInput';
import { identity } from './identity';
import { meanGradConfig, sumGradConfig } from './reductionGradients';
import { tile } from './tile';
import { stockKernels } from './wasmOps';

const ADDITIONS: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [
  { name: 'Conv2DBackpropFilter', kernelFunc: conv2DBackpropFilter as tf.KernelFunc },
  { name: 'Conv2DBackpropInput', kernelFunc: conv2DBackpropInput as tf.KernelFunc },
  { name: 'BatchMatMul', kernelFunc: batchMatMul as tf.KernelFunc },
  { name: 'Identity', kernelFunc: identity as tf.KernelFunc },
  { name: 'Tile', kernelFunc: tile as tf.KernelFunc },
];

/** Gradients replaced while the additions are installed (they take effect on wasm only), and tfjs's own. */
const GRADIENTS: readonly tf.GradConfig[] = [sumGradConfig, meanGradConfig];
const stockGradients = new Map<string, tf.GradConfig>();

let installed = false;

/**
 * Installs robustjs's kernel additions into the wasm backend: a `Conv2DBackpropFilter` (stock wasm has
 * none, so conv training fails), a `Conv2DBackpropInput` that runs as an XNNPACK convolution with the
 * flipped filter (the stock one is a scalar loop), and a `BatchMatMul` that materialises transposed
 * operands so the product runs in XNNPACK, an `Identity` that shares the input's buffer instead of
 * copying it (tfjs clones every tensor a gradient saves), and a `Tile` (`tf.broadcastTo`, `tf.tile`) made of block
 * copies (the stock one computes an index per element: 80 ms for 1024×1024). Each is built from stock wasm kernels
 * or plain heap copies only and checked against the cpu backend. It also replaces the gradients of `Sum` and
 * `Mean`, on the wasm backend only, by a broadcast of dy (tfjs multiplies dy by a `ones(x.shape)` built in
 * JavaScript; same values). Idempotent; the stock kernels are kept and restored by
 * {@link unregisterWasmKernels}. `initBackend()` and the `@robustjs/core/register` module call it.
 *
 * The wasm backend must be registered first (import `@tensorflow/tfjs-backend-wasm`, or let `initBackend()`
 * load it): the additions replace its stock kernels, and a backend module loaded afterwards would silently put
 * its own back. Importing this function loads nothing, so `@robustjs/core` stays free of side effects.
 *
 * @returns the names of the kernels now provided by robustjs.
 * @throws {@link RobustError} `BACKEND_UNAVAILABLE` when the wasm backend is not registered yet.
 * @example
 * ```ts
 * import '@tensorflow/tfjs-backend-wasm';
 * registerWasmKernels();
 * await tf.setBackend('wasm');
 * ```
 */
export function registerWasmKernels(): string[] {
  if (!installed) {
    if (tf.findBackendFactory('wasm') === null) {
      throw new RobustError('BACKEND_UNAVAILABLE',
        "'registerWasmKernels' needs the wasm backend registered with this @tensorflow/tfjs, and it is not. " +
          "Import '@tensorflow/tfjs-backend-wasm' before calling it (install it at the version of @tensorflow/tfjs, " +
          `${tf.version_core}), or import '@robustjs/core/register', or call 'await initBackend()' instead.`);
    }
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
    for (const config of GRADIENTS) {
      const stock = tf.getGradient(config.kernelName);
      if (stock !== undefined) stockGradients.set(config.kernelName, stock);
      tf.registerGradient(config);
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
  for (const { kernelName } of GRADIENTS) {
    const stock = stockGradients.get(kernelName);
    if (stock !== undefined) tf.registerGradient(stock);
    else tf.unregisterGradient(kernelName);
    stockGradients.delete(kernelName);
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
