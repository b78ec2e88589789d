import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '@robustjs/core';
import { beforeAll, describe } from 'vitest';

registerWasmKernels();

/**
 * The backends present in this process, in test order: `cpu` always, `wasm` (with robustjs's kernel
 * additions) always in Node, plus any other registered factory (e.g. `tensorflow` when tfjs-node is loaded).
 */
export function availableBackends(): string[] {
  const names = ['cpu', 'wasm'];
  for (const extra of ['tensorflow', 'webgl', 'webgpu']) {
    if (tf.findBackendFactory(extra) !== null && typeof process === 'undefined') names.push(extra);
  }
  if (tf.findBackendFactory('tensorflow') !== null && !names.includes('tensorflow')) names.push('tensorflow');
  return names;
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
