import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';

/** The packages whose main entry must bundle for browsers (`native` is Node only). */
export const BROWSER_PACKAGES = [
  'core',
  'datasets',
  'attacks',
  'diffusion',
  'ssni',
  'mmd',
  'dad',
  'zoo',
] as const;

const BUILTINS = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/** Records every import of a Node builtin (with its importer) and keeps it out of the bundle. */
function nodeBuiltins(root: string, hits: string[]): Plugin {
  return {
    name: 'robustjs-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (a) => {
        if (!BUILTINS.has(a.path) || (a.pluginData as { again?: boolean } | undefined)?.again)
          return undefined;
        // a package's `browser` field may map the builtin away (e.g. tfjs's `"fs": false`): then it is fine
        const r = await b.resolve(a.path, {
          kind: a.kind,
          importer: a.importer,
          resolveDir: a.resolveDir,
          pluginData: { again: true },
        });
        if (r.errors.length === 0 && !r.external)
          return { path: a.path, namespace: 'browser-disabled' };
        hits.push(`${a.path} imported by ${a.importer.replace(`${root}/`, '')}`);
        return { path: a.path, external: true };
      });
      b.onLoad({ filter: /.*/, namespace: 'browser-disabled' }, () => ({
        contents: 'module.exports = {};',
      }));
    },
  };
}

/**
 * Bundles `packages/<pkg>/<entry>` (default the main entry `src/index.ts`) for the browser platform (workspace packages from their sources, tfjs
 * left out as the peer it is) and returns the Node builtins reachable from it: `[]` when the entry is
 * browser-safe.
 */
export async function nodeImportsOf(
  root: string,
  pkg: string,
  entry = 'src/index.ts',
): Promise<string[]> {
  const hits: string[] = [];
  await build({
    entryPoints: [join(root, 'packages', pkg, entry)],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    conditions: ['@robustjs/source'],
    external: ['@tensorflow/*'],
    logLevel: 'silent',
    plugins: [nodeBuiltins(root, hits)],
  });
  return hits;
}

/** Source of the detector-only bundle: restore a saved MMD detector and score a batch. */
export const DETECTOR_ENTRY = `import * as tf from '@tensorflow/tfjs';
import { MmdDetector } from '@robustjs/mmd';
export async function score(bytes, images) {
  const detector = MmdDetector.load(bytes);
  const s = detector.score(images);
  const [value] = await s.data();
  tf.dispose(s);
  detector.dispose();
  return value;
}
`;

/**
 * Size of the detector-only bundle: `@robustjs/mmd` + `@robustjs/core` + `@tensorflow/tfjs` (its webgl and cpu
 * backends included), tree-shaken and minified by esbuild for browsers, in bytes raw and gzipped.
 */
export async function detectorBundleSize(
  root: string,
): Promise<{ bytes: number; gzipBytes: number }> {
  const hits: string[] = [];
  const out = await build({
    stdin: {
      contents: DETECTOR_ENTRY,
      resolveDir: root,
      sourcefile: 'detector-entry.js',
      loader: 'js',
    },
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'esm',
    minify: true,
    treeShaking: true,
    conditions: ['@robustjs/source'],
    logLevel: 'silent',
    plugins: [nodeBuiltins(root, hits)],
  });
  if (hits.length > 0)
    throw new Error(`the detector bundle imports Node builtins: ${hits.join(', ')}`);
  const js = out.outputFiles[0]?.contents ?? new Uint8Array();
  return { bytes: js.length, gzipBytes: gzipSync(js, { level: 9 }).length };
}
