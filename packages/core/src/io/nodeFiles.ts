// Node-only file helpers shared by the file:// IO handler and the safetensors file functions:
// path normalisation, reads that map ENOENT to NOT_FOUND, and atomic writes.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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
