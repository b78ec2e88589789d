import * as tf from '@tensorflow/tfjs';

/** Kernels of tfjs-backend-webgpu 4.22 that robustjs replaces or adds, each checked against the wasm backend. */
const FIXES: ReadonlyArray<{ name: string; kernelFunc: tf.KernelFunc }> = [];

const stock = new Map<string, tf.KernelConfig>();
let installed = false;

/**
 * Installs robustjs's kernel fixes into tfjs's webgpu backend (see the list in this file's `FIXES`). Idempotent;
 * {@link unregisterWebgpuKernels} restores the stock kernels. `initBackend('webgpu')` calls it; the webgpu backend
 * must be registered first (import `@tensorflow/tfjs-backend-webgpu` where `navigator.gpu` exists).
 *
 * @returns the names of the kernels now provided by robustjs on webgpu.
 * @example
 * ```ts
 * await initBackend('webgpu'); // installs them
 * console.log(registerWebgpuKernels()); // the same list, nothing installed twice
 * ```
 */
export function registerWebgpuKernels(): string[] {
  if (!installed && tf.findBackendFactory('webgpu') !== null) {
    for (const { name, kernelFunc } of FIXES) {
      const old = tf.getKernel(name, 'webgpu');
      if (old !== undefined) {
        stock.set(name, old);
        tf.unregisterKernel(name, 'webgpu');
      }
      tf.registerKernel({ kernelName: name, backendName: 'webgpu', kernelFunc });
    }
    installed = true;
  }
  return FIXES.map((f) => f.name);
}

/**
 * Removes robustjs's webgpu kernel fixes and restores tfjs's own (for comparisons). Idempotent.
 *
 * @example
 * ```ts
 * unregisterWebgpuKernels(); // stock tfjs-backend-webgpu kernels again
 * ```
 */
export function unregisterWebgpuKernels(): void {
  if (!installed) return;
  for (const { name } of FIXES) {
    tf.unregisterKernel(name, 'webgpu');
    const old = stock.get(name);
    if (old !== undefined) tf.registerKernel(old);
    stock.delete(name);
  }
  installed = false;
}
