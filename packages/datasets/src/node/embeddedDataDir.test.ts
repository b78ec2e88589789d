import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { embeddedDataDir } from './embeddedDataDir';

it('embeddedDataDir finds the package data/ folder with the test split and its licence', () => {
  const dir = embeddedDataDir();
  expect(dir).toMatch(/packages[\\/]datasets[\\/]data$/);
  for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'LICENSE-fashion-mnist.txt']) expect(existsSync(join(dir, f))).toBe(true);
});
