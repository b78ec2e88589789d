// Internal Node helpers: reads whose errors name the file and the function, gzip handled in-process,
// and the check that a resolved path stays inside its root.
import { readFile, realpath } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { RobustError } from '@robustjs/core';
import { isGzip } from '../bytes';
import { GUNZIP_MAX_BYTES } from '../gunzip';

/** The `code` of a Node system error, if any. */
export function errnoOf(cause: unknown): string | undefined {
  return typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
}

/** Reads a whole file; a missing one throws `NOT_FOUND`, any other failure `IO_ERROR`, both naming it. */
export async function readFileChecked(path: string, fn: string): Promise<Uint8Array> {
  try {
    const buf = await readFile(path);
    return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  } catch (cause) {
    const errno = errnoOf(cause);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') {
      throw new RobustError('NOT_FOUND', `File '${path}' needed by '${fn}' does not exist. Check the path.`, { cause });
    }
    throw new RobustError('IO_ERROR', `'${fn}' cannot read '${path}': ${errno ?? String(cause)}. Check that it is a readable file.`, { cause });
  }
}

/**
 * Decompresses `bytes` when they start with the gzip magic number; otherwise returns them. Inflating
 * stops with `OUT_OF_RANGE` past `maxBytes` (default `GUNZIP_MAX_BYTES`, 256 MiB).
 */
export function gunzipIfNeeded(bytes: Uint8Array, path: string, fn: string, maxBytes = GUNZIP_MAX_BYTES): Uint8Array {
  if (!isGzip(bytes)) return bytes;
  try {
    const out = gunzipSync(bytes, { maxOutputLength: maxBytes });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (cause) {
    if (errnoOf(cause) === 'ERR_BUFFER_TOO_LARGE') {
      throw new RobustError('OUT_OF_RANGE',
        `File '${path}' read by '${fn}' inflates to more than ${maxBytes} bytes, the limit for a gzip file. ` +
          'It is not a dataset file (a decompression bomb?); download it again from the official source.', { cause });
    }
    throw new RobustError('CORRUPT_FILE',
      `File '${path}' read by '${fn}' is gzip but cannot be decompressed (${errnoOf(cause) ?? (cause instanceof Error ? cause.message : String(cause))}): ` +
        'it is truncated or corrupt. Download it again.', { cause });
  }
}

/** The real (symlink-free) path of `path`; a missing one throws `NOT_FOUND` with `missing`. */
export async function realPathChecked(path: string, fn: string, missing: () => string): Promise<string> {
  try {
    return await realpath(path);
  } catch (cause) {
    const errno = errnoOf(cause);
    if (errno === 'ENOENT' || errno === 'ENOTDIR') throw new RobustError('NOT_FOUND', missing(), { cause });
    throw new RobustError('IO_ERROR', `'${fn}' cannot resolve '${path}': ${errno ?? String(cause)}.`, { cause });
  }
}

/** True when `candidate` is `root` or lies below it (both absolute, already resolved). */
export function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** Throws `INVALID_ARGUMENT` naming `shown` when `resolved` escapes `root`. */
export function assertInside(root: string, resolved: string, shown: string, fn: string, fix: string): void {
  if (!isInside(root, resolved)) {
    throw new RobustError('INVALID_ARGUMENT',
      `Path '${shown}' used by '${fn}' resolves to '${resolved}', which escapes the root '${root}'. ${fix}`);
  }
}
