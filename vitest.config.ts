import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the
// `@robustjs/source` export condition, so tests never need a build.
export default defineConfig({
  resolve: { conditions: ['@robustjs/source', 'module', 'node', 'import', 'default'] },
  ssr: { resolve: { conditions: ['@robustjs/source', 'node', 'import', 'default'], externalConditions: ['@robustjs/source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'fuzz/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['./vitest.setup.ts'],
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    server: { deps: { inline: [/@robustjs\//] } },
  },
});
