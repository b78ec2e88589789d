import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RobustError } from '@robustjs/core';

/** The file that marks the package's `models/` folder. */
const MARKER = 'manifest.json';

/**
 * The folder inside the installed package that holds the zoo's model files and `manifest.json` (Node only).
 *
 * @returns the absolute path of the package's `models/` folder.
 * @throws {@link @robustjs/core!index.RobustError} `NOT_FOUND` when the folder is missing (a bundler dropped the
 *   package's `models/` files).
 * @example
 * ```ts
 * console.log(modelsDir()); // …/node_modules/@robustjs/zoo/models
 * ```
 */
export function modelsDir(): string {
  // src/*.ts in the repository, dist/*.{js,cjs} when installed: models/ is 1 level up.
  const here = dirname(fileURLToPath(import.meta.url));
  let dir = here;
  for (let up = 0; up < 3; up++) {
    const candidate = join(dir, 'models');
    if (existsSync(join(candidate, MARKER))) return candidate;
    dir = dirname(dir);
  }
  throw new RobustError('NOT_FOUND',
    `'modelsDir' cannot find the package's models/ folder (with ${MARKER}) above '${here}'. ` +
      'The model files ship in @robustjs/zoo/models: if a bundler moved this module, copy that folder beside it.');
}
