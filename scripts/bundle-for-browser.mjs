#!/usr/bin/env node
// Bundles one ES module for the browser platform with esbuild (tree-shaken, minified), resolving its imports
// from the folder it sits in (so a fresh project's installed tarballs are what gets bundled), and fails when
// the bundle does not build or reaches a Node builtin. Used by check-tarballs.mjs (issue 19).
//
//   node scripts/bundle-for-browser.mjs <entry.mjs>     prints the bundle's size in bytes; exit 1 on failure
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { build } from 'esbuild';

const entry = process.argv[2];
if (entry === undefined) {
  console.error('usage: node scripts/bundle-for-browser.mjs <entry.mjs>');
  process.exit(1);
}
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const hits = [];
const result = await build({
  entryPoints: [resolve(entry)], bundle: true, write: false, platform: 'browser', format: 'esm', target: 'es2022',
  minify: true, logLevel: 'silent',
  plugins: [{
    name: 'node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, async (a) => {
        if (!builtins.has(a.path) || a.pluginData?.again) return undefined;
        // a package's `browser` field may map the builtin away (e.g. tfjs's `"fs": false`): then it is fine
        const r = await b.resolve(a.path, { kind: a.kind, importer: a.importer, resolveDir: a.resolveDir,
          pluginData: { again: true } });
        if (r.errors.length === 0 && !r.external) return { path: a.path, namespace: 'browser-disabled' };
        hits.push(`${a.path} imported by ${a.importer}`);
        return { path: a.path, external: true };
      });
      b.onLoad({ filter: /.*/, namespace: 'browser-disabled' }, () => ({ contents: 'module.exports = {};' }));
    },
  }],
}).catch((e) => {
  console.error(`esbuild could not bundle ${entry} for the browser:\n${e.message}`);
  process.exit(1);
});
if (hits.length > 0) {
  console.error(`the browser bundle of ${entry} reaches Node builtins:\n  ${hits.join('\n  ')}`);
  process.exit(1);
}
console.log(`${entry}: browser bundle ${result.outputFiles[0]?.contents.length ?? 0} bytes`);
