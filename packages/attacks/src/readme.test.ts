import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '@robustjs/test-utils';

it('the README example runs in at most 15 lines on the wasm backend', async () => {
  delete process.env.ROBUSTJS_BACKEND;
  const code = await runReadmeExample(fileURLToPath(new URL('../README.md', import.meta.url)));
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(15);
  expect(tf.getBackend()).toBe('wasm');
});
