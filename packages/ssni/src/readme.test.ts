import { fileURLToPath } from 'node:url';
import { runReadmeExample } from '@robustjs/test-utils';
import { expect, it } from 'vitest';
import { useWasm } from '../test/helpers';

useWasm();

it('the README example (≤ 15 lines) calibrates SSNI for a custom noise predictor and purifies with per-image t', async () => {
  const code = await runReadmeExample(fileURLToPath(new URL('../README.md', import.meta.url)));
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(15);
  expect(code).toMatch(/from '@robustjs\/ssni'/);
});
