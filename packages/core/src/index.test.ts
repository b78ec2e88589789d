import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RobustError, initBackend, registerWasmKernels, wasmKernelsRegistered } from './index';

// This file imports the entry alone (no '@robustjs/core/register', no test-utils, which load the wasm
// backend), so it sees what a user's `import ... from '@robustjs/core'` does to tfjs.
describe('the @robustjs/core entry', () => {
  it('has no side effect: importing it registers no wasm backend and no kernel', () => {
    expect(tf.findBackendFactory('wasm')).toBeNull();
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeUndefined();
    expect(wasmKernelsRegistered()).toBe(false);
  });

  it('registerWasmKernels refuses to run before the wasm backend is registered, and says how to fix it', () => {
    const err = (() => {
      try {
        return registerWasmKernels();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(RobustError);
    expect((err as RobustError).code).toBe('BACKEND_UNAVAILABLE');
    expect((err as RobustError).message).toMatch(/Import '@tensorflow\/tfjs-backend-wasm' before calling it/);
    expect(wasmKernelsRegistered()).toBe(false);
  });

  it('initBackend loads the wasm backend on demand and installs the kernel additions', async () => {
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(wasmKernelsRegistered()).toBe(true);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });
});
