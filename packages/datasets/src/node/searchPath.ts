// Internal: the dataset search path shared by loadFashionMnist, loadMnist and loadCifar10:
// an explicit root (alone), else $ROBUSTJS_DATA/<sub>, then a system folder, then an embedded folder.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { RobustError, assert, describeValue } from '@robustjs/core';

/** Where a dataset folder came from; it prefixes the dataset's `source`. */
export type SearchKind = 'root' | 'ROBUSTJS_DATA' | 'debian' | 'embedded';

/** One folder to look in. */
export interface SearchDir {
  readonly kind: SearchKind;
  readonly dir: string;
}

/** Where {@link findDataset} found every wanted file. */
export interface Found<R extends string> {
  readonly kind: SearchKind;
  readonly dir: string;
  readonly files: Record<R, string>;
}

/** The folders to search, in order. An explicit `root` is searched alone (as `root` and `root/<sub>`). */
export function searchDirs(root: unknown, fn: string, sub: string, system: string | undefined, embedded: (() => string) | undefined): SearchDir[] {
  if (root !== undefined) {
    assert(typeof root === 'string' && root.length > 0, 'INVALID_ARGUMENT', () =>
      `Option 'root' passed to '${fn}' must be a folder path, got ${describeValue(root)}.`);
    return [{ kind: 'root', dir: root }, { kind: 'root', dir: join(root, sub) }];
  }
  const dirs: SearchDir[] = [];
  const env = process.env.ROBUSTJS_DATA;
  if (env) dirs.push({ kind: 'ROBUSTJS_DATA', dir: join(env, sub) });
  if (system !== undefined) dirs.push({ kind: 'debian', dir: system });
  if (embedded !== undefined) dirs.push({ kind: 'embedded', dir: embedded() });
  return dirs;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * The first folder of `dirs` that holds, for every role of `wanted`, one of its file names (tried in
 * order). Throws `NOT_FOUND` listing every folder tried and the fix when none does.
 */
export function findDataset<R extends string>(dirs: readonly SearchDir[], wanted: Record<R, readonly string[]>, fn: string, fix: string): Found<R> {
  for (const { kind, dir } of dirs) {
    const files = {} as Record<R, string>;
    let complete = true;
    for (const role of Object.keys(wanted) as R[]) {
      const name = wanted[role].find((f) => isFile(join(dir, f)));
      if (name === undefined) {
        complete = false;
        break;
      }
      files[role] = join(dir, name);
    }
    if (complete) return { kind, dir, files };
  }
  const needed = Object.values<readonly string[]>(wanted).map((alts) => alts.join(' or ')).join('; ');
  const tried = dirs.map((d) => `${d.dir} (${d.kind})`).join(', ') || '(no folder: ROBUSTJS_DATA is unset)';
  throw new RobustError('NOT_FOUND', `'${fn}' found no folder holding ${needed}. Looked in: ${tried}. ${fix}`);
}
