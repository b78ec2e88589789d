import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '@robustjs/test-utils';
import { loadNative } from './loadNative';
import { nativeKernelStats } from './registerNativeKernels';

it('the README example runs on wasm, with the native kernels when the addon is built', async () => {
  const code = await runReadmeExample(fileURLToPath(new URL('../README.md', import.meta.url)));
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(15);
  expect(tf.getBackend()).toBe('wasm');
  const native = loadNative().ok || process.env.ROBUSTJS_NATIVE_REQUIRED === '1';
  expect(nativeKernelStats('wasm').Conv2D?.native ?? 0).toBe(native ? 1 : 0);
});
