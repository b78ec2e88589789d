// Node-only file helpers shared by the file:// IO handler and the safetensors file functions:
// path normalisation, containment of manifest paths in the model folder, reads that map ENOENT
// to NOT_FOUND, and atomic writes.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, realpath, rename, rm } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { RobustError, assert, describeValue } from '../errors';

/** The URL scheme of the file-system router. */
export const FILE_SCHEME = 'file://';

/**
 * Turns `file:///abs/dir`, `file://./rel/dir` or a plain path into a file-system path,
 * as tfjs-node does (the scheme is stripped, nothing is percent-decoded).
 */
export function toFsPath(path: unknown, name: string, fn: string): string {
  assert(typeof path === 'string' && path.length > 0, 'INVALID_ARGUMENT', () =>
    `Argument '${name}' passed to '${fn}' must be a non-empty path or file:// URL, got ${describeValue(path)}.`);
  const plain = path.startsWith(FILE_SCHEME) ? path.slice(FILE_SCHEME.length) : path;
  assert(plain.length > 0, 'INVALID_ARGUMENT', () =>
    `Argument '${name}' passed to '${fn}' is ${describeValue(path)}, which names no path; use e.g. 'file:///tmp/model'.`);
  return plain;
}

/** True when `child` (absolute) lies strictly below `parent` (absolute). */
function isInside(parent: string, child: string): boolean {
  const rel = relative(parent, child);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Resolves a path listed in a model file (e.g. a `weightsManifest` entry) against the model's
 * folder `dir` and checks that it stays inside it, before anything is read: absolute paths
 * (`/etc/passwd`, `C:\x`, `\\host\x`), `..` escapes and symlinks whose real path leaves the
 * folder all throw `INVALID_ARGUMENT` naming the path, the folder and `source`. A path that does
 * not exist is returned resolved (the read then reports it as missing).
 *
 * @param dir - the model's folder.
 * @param listed - the path as written in the model file.
 * @param source - the file that listed it, for the message.
 * @param fn - the public function, for the message.
 * @returns the absolute path of the file inside `dir`.
 */
export async function resolveInside(dir: string, listed: string, source: string, fn: string): Promise<string> {
  const reject = (why: string): never => {
    throw new RobustError('INVALID_ARGUMENT',
      `'${fn}' refuses the path ${describeValue(listed)} listed in '${source}': ${why}, but every listed file must lie ` +
        `inside the model folder '${dir}'. Use a plain file name relative to that folder (e.g. 'weights.bin').`);
  };
  if (listed.includes('\u0000')) reject('it contains a NUL character');
  if (isAbsolute(listed) || /^[A-Za-z]:/.test(listed) || listed.startsWith('\\')) reject('it is absolute');
  const base = resolve(dir);
  const target = resolve(base, listed);
  if (!isInside(base, target)) reject(`it resolves to '${target}', outside the folder`);
  let realBase: string;
  try {
    realBase = await realpath(base);
  } catch {
    return target; // no folder: the read reports NOT_FOUND
  }
  let realTarget: string;
  try {
    realTarget = await realpath(target);
  } catch (cause) {
    const errno = errnoOf(cause);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') return target;
    throw new RobustError('IO_ERROR', `'${fn}' cannot resolve '${target}' listed in '${source}': ${errno ?? String(cause)}.`, { cause });
  }
  if (!isInside(realBase, realTarget)) reject(`it is a link to '${realTarget}', outside the folder`);
  return realTarget;
}

function errnoOf(cause: unknown): string | undefined {
  return typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
}

/**
 * Reads a whole file. A missing file (or missing parent directory) throws `NOT_FOUND` with the
 * message `missing()` builds; any other failure throws `IO_ERROR` naming the path.
 */
export async function readFileChecked(path: string, fn: string, missing: () => string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (cause) {
    const errno = errnoOf(cause);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') throw new RobustError('NOT_FOUND', missing(), { cause });
    throw new RobustError('IO_ERROR',
      `'${fn}' cannot read '${path}': ${errno ?? String(cause)}. Check that it is a readable file.`, { cause });
  }
}

/**
 * Writes `data` to `path` atomically: it goes to a temporary file in the same directory, is
 * flushed, then renamed over `path`, so readers see the old file or the new one, never a part.
 * Creates missing parent directories. On failure the temporary file is removed.
 */
export async function atomicWriteFile(path: string, data: Uint8Array | string, fn: string): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dir, { recursive: true });
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw new RobustError('IO_ERROR',
      `'${fn}' cannot write '${path}': ${errnoOf(cause) ?? String(cause)}. Check that the directory is writable and the disk has space.`,
      { cause });
  }
}
