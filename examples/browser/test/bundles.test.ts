import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { BROWSER_PACKAGES, detectorBundleSize, nodeImportsOf } from './bundles';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

it.each(BROWSER_PACKAGES)(
  '@robustjs/%s: the main entry bundles for browsers with no node: import',
  async (pkg) => {
    expect(await nodeImportsOf(root, pkg)).toEqual([]);
  },
);

it('catches a node: import and names its importer (the check is not vacuous)', async () => {
  // @robustjs/zoo/node reads the package's own files: it must be reported
  const hits = await nodeImportsOf(root, 'zoo', 'src/node.ts');
  expect(hits).toContain('node:fs imported by packages/zoo/src/modelsDir.ts');
  expect(hits).toContain('node:crypto imported by packages/zoo/src/loadZooModel.ts');
});

it('the detector-only bundle (mmd + core + tfjs, tree-shaken, minified) builds, with a plausible size', async () => {
  const { bytes, gzipBytes } = await detectorBundleSize(root);
  // tfjs alone (core, layers, converter, webgl and cpu backends) is over 1 MB minified
  expect(bytes).toBeGreaterThan(500_000);
  expect(bytes).toBeLessThan(5_000_000);
  expect(gzipBytes).toBeLessThan(bytes / 2);
});
