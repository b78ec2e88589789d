// Setup of the webgpu test run (vitest.webgpu.ts): webgpu through Dawn, forced (a software adapter
// such as SwiftShader is accepted), and the wasm backend registered beside it for the agreement
// checks.
import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';

const info = await initBackend('webgpu');
if (info.name !== 'webgpu') throw new Error(`the webgpu run needs webgpu, got ${info.name}`);
// The agreement checks switch to wasm synchronously (onWasm in @robustjs/test-utils): initialise it
// once here.
if (!(await tf.setBackend('wasm')) || !(await tf.setBackend('webgpu'))) {
  throw new Error('wasm or webgpu failed to initialise');
}
