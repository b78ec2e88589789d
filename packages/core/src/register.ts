/**
 * Side-effect entry point: importing `@robustjs/core/register` registers the wasm backend and installs
 * robustjs's wasm kernel additions (see {@link registerWasmKernels}).
 *
 * @packageDocumentation
 */
import { registerWasmKernels } from './kernels/registerWasmKernels';

registerWasmKernels();

export { registerWasmKernels };
