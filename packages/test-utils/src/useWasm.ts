import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';
import { backendUnderTest } from './backendUnderTest';

/**
 * Runs the calling test file on the wasm backend (set in a `beforeAll`); in the webgpu run
 * (`ROBUSTJS_BACKEND=webgpu`, see {@link backendUnderTest}) on webgpu instead, which
 * vitest.setup.ts has initialised. The caller imports `@robustjs/core/register` first, which
 * registers the wasm backend and robustjs's kernel additions.
 */
export function useWasm(): void {
  beforeAll(async () => {
    const backend = backendUnderTest();
    if (!(await tf.setBackend(backend))) throw new Error(`backend ${backend} failed to initialise`);
    await tf.ready();
  });
}
