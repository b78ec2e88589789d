import { defineConfig, type Options } from 'tsup';

/**
 * The one tsup configuration every package uses: ESM + CJS + `.d.ts` from the
 * given entry points, tfjs and every `@robustjs/*` package kept external.
 */
export function packageConfig(entry: Record<string, string>, extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm', 'cjs'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'es2022',
    platform: 'neutral',
    splitting: true,
    treeshake: true,
    external: [/^@tensorflow\//, /^@robustjs\//, /^node:/],
    ...extra,
  });
}
