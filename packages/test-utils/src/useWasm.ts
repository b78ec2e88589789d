import * as tf from '@tensorflow/tfjs';
import { beforeAll } from 'vitest';

/**
 * Runs the calling test file on the wasm backend (set in a `beforeAll`). The caller imports
 * `@robustjs/core/register` first, which registers the wasm backend and robustjs's kernel additions.
 */
export function useWasm(): void {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
}
