import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { initBackend } from '@robustjs/core';
import { runReadmeExample } from '@robustjs/test-utils';

it('the README example runs: loads both models, classifies and featurizes', async () => {
  await initBackend('wasm');
  const code = await runReadmeExample(fileURLToPath(new URL('../README.md', import.meta.url)));
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(15);
});
