import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '@robustjs/core';
import { beforeAll, describe } from 'vitest';
import { backendUnderTest } from './backendUnderTest';

registerWasmKernels();

/**
 * The backends present in this process, in test order: `cpu` always, `wasm` (with robustjs's kernel
 * additions) always in Node, plus any other registered factory (e.g. `tensorflow` when tfjs-node is loaded).
 * In the webgpu run (`ROBUSTJS_BACKEND=webgpu`) only `webgpu`: cpu and wasm are the normal run's.
 */
export function availableBackends(): string[] {
  if (backendUnderTest() === 'webgpu') return ['webgpu'];
  const g = globalThis as { document?: unknown; navigator?: { gpu?: unknown } };
  const usable: Record<string, boolean> = {
    // tfjs registers a webgl factory even in Node, where it cannot initialise: require a DOM.
    tensorflow: true,
    webgl: typeof g.document !== 'undefined',
    webgpu: typeof g.navigator?.gpu !== 'undefined',
  };
  return ['cpu', 'wasm', ...Object.keys(usable).filter((name) => usable[name] && tf.findBackendFactory(name) !== null)];
}

/**
 * Runs one suite on every backend present ({@link availableBackends}), with no per-backend branch:
 * the suite receives the backend name only for its title and messages.
 */
export function describeEachBackend(name: string, suite: (backend: string) => void): void {
  for (const backend of availableBackends()) {
    describe(`${name} [${backend}]`, () => {
      beforeAll(async () => {
        const ok = await tf.setBackend(backend);
        if (!ok) throw new Error(`backend ${backend} failed to initialise`);
        await tf.ready();
      });
      suite(backend);
    });
  }
}
