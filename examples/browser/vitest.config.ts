import { defineConfig } from 'vitest/config';
import base from '../../vitest.config';

// Runs this example's tests alone: `npx vitest run -c examples/browser/vitest.config.ts`.
export default defineConfig({
  ...base,
  test: { ...base.test, include: ['examples/browser/test/**/*.test.ts'] },
});
