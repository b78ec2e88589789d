import { defineConfig } from 'vitest/config';
import { WEBGPU_RUN, WEBGPU_SUITES, WEBGPU_TESTS } from './vitest.webgpu';

// Workspace packages resolve to their TypeScript sources through the
// `@robustjs/source` export condition, so tests never need a build.
export default defineConfig({
  resolve: { conditions: ['@robustjs/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@robustjs/source', 'node', 'import', 'default'], externalConditions: ['@robustjs/source'] } },
  test: {
    // ROBUSTJS_BACKEND=webgpu: the webgpu run's suites only (vitest.webgpu.ts).
    include: WEBGPU_RUN
      ? [...WEBGPU_SUITES]
      : ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'fuzz/**/*.test.ts',
        'examples/*/test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['./vitest.setup.ts', ...(WEBGPU_RUN ? ['./vitest.webgpu.setup.ts'] : [])],
    ...(WEBGPU_RUN ? { testNamePattern: WEBGPU_TESTS } : {}),
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    server: { deps: { inline: [/@robustjs\//] } },
  },
});
