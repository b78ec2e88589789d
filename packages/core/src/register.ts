/**
 * Side-effect entry point: importing `@robustjs/core/register` registers the wasm backend (it imports
 * `@tensorflow/tfjs-backend-wasm`) and installs robustjs's wasm kernel additions (see
 * {@link registerWasmKernels}). The main entry `@robustjs/core` has no side effect: there,
 * `await initBackend()` loads the wasm backend when it picks it.
 *
 * @example
 * ```ts
 * import '@robustjs/core/register';
 * import * as tf from '@tensorflow/tfjs';
 * await tf.setBackend('wasm');
 * ```
 *
 * @packageDocumentation
 */
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from './kernels/registerWasmKernels';

registerWasmKernels();

export { registerWasmKernels };
