import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RobustError } from '@robustjs/core';

/** The file that marks the package's `data/` folder. */
const MARKER = 'LICENSE-fashion-mnist.txt';

/**
 * The folder inside the installed package that holds the embedded Fashion-MNIST **test split**
 * (`t10k-images-idx3-ubyte.gz`, `t10k-labels-idx1-ubyte.gz`, 10,000 images, MIT licence, Zalando SE).
 * `loadFashionMnist` falls back to it; pass it as `root` to force it.
 *
 * @returns the absolute path of the package's `data/` folder.
 * @throws {@link @robustjs/core!index.RobustError} `NOT_FOUND` when the folder is missing (a bundler dropped the package's
 *   `data/` files).
 * @example
 * ```ts
 * const test = await loadFashionMnist({ split: 'test', root: embeddedDataDir() });
 * ```
 */
export function embeddedDataDir(): string {
  // src/node/*.ts in the repository, dist/*.{js,cjs} when installed: data/ is 2 or 1 level up.
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let up = 0; up < 4; up++) {
    const candidate = join(dir, 'data');
    if (existsSync(join(candidate, MARKER))) return candidate;
    dir = dirname(dir);
  }
  throw new RobustError('NOT_FOUND',
    `'embeddedDataDir' cannot find the package's data/ folder (with ${MARKER}) above '${here}'. ` +
      "The embedded Fashion-MNIST files ship in @robustjs/datasets/data: if a bundler moved this module, copy that folder beside it, or pass { root }.");
}
