import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, rmSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { RobustError, assert, describeValue, resolveOptions } from '@robustjs/core';
import { assertInside, errnoOf } from './files';

/** Options of {@link download}. */
export interface DownloadOptions {
  /** The expected SHA-256 of the file, 64 hex digits. Required: nothing unverified enters the cache. */
  readonly sha256: string;
  /** The cache folder (created if missing); default `$XDG_CACHE_HOME/robustjs` or `~/.cache/robustjs`. */
  readonly cacheDir?: string;
  /** The file name in the cache; default the last segment of the URL's path. Must not leave `cacheDir`. */
  readonly fileName?: string;
  /** Aborts the download; the partial file is removed. */
  readonly signal?: AbortSignal;
}

const DEFAULTS = {
  sha256: undefined as string | undefined,
  cacheDir: undefined as string | undefined,
  fileName: undefined as string | undefined,
  signal: undefined as AbortSignal | undefined,
};

const FN = 'download';

function defaultCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'robustjs');
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

// Temporary files of downloads in progress in this process, removed on SIGINT/SIGTERM and at exit.
const live = new Set<string>();
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function removeLive(): void {
  for (const path of live) {
    try {
      rmSync(path, { force: true });
    } catch {
      // nothing more can be done while the process dies
    }
  }
  live.clear();
}

function onSignal(signal: NodeJS.Signals): void {
  removeLive();
  unhook();
  // Our listener replaced the default action; with no other listener, die of the signal as before.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function hook(path: string): void {
  if (live.size === 0) {
    for (const s of SIGNALS) process.on(s, onSignal);
    process.on('exit', removeLive);
  }
  live.add(path);
}

function unhook(path?: string): void {
  if (path !== undefined) live.delete(path);
  if (live.size > 0) return;
  for (const s of SIGNALS) process.removeListener(s, onSignal);
  process.removeListener('exit', removeLive);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errnoOf(e) === 'EPERM';
  }
}

/** Removes `.<fileName>.<pid>.<hex>.part` files left by processes that no longer run (SIGKILL). */
async function sweepStale(cacheDir: string, fileName: string): Promise<void> {
  const names = await readdir(cacheDir).catch(() => [] as string[]);
  const prefix = `.${fileName}.`;
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.part')) continue;
    const m = /^(\d+)\.[0-9a-f]{12}\.part$/.exec(name.slice(prefix.length));
    const pid = m ? Number(m[1]) : NaN;
    if (Number.isSafeInteger(pid) && pid !== process.pid && pid > 0 && !alive(pid)) {
      await rm(join(cacheDir, name), { force: true }).catch(() => undefined);
    }
  }
}

const why = (cause: unknown): string => errnoOf(cause) ?? (cause instanceof Error ? cause.message : String(cause));

/**
 * Downloads `url` into a cache folder and verifies its SHA-256. The body is streamed to a temporary
 * file in the cache folder (hashed on the way), flushed, checked, and only then renamed to its final
 * name, so a failed, interrupted or mismatching download leaves no file behind. SIGINT and
 * SIGTERM remove the temporary file before the process dies of the signal (then re-raised, unless
 * the program has its own listener). Only a process killed outright (SIGKILL, power loss) can
 * leave its `.<fileName>.<pid>.<hex>.part` file; the next download of that file name removes those
 * of processes no longer running. A cached file whose checksum matches is returned without any
 * request; one that does not match is downloaded again.
 *
 * @param url - an `http:` or `https:` URL.
 * @param options - `sha256` (required), `cacheDir` (default `~/.cache/robustjs`), `fileName` (default
 *   the URL's last path segment), `signal`.
 * @returns the absolute path of the verified file in the cache.
 * @throws {@link @robustjs/core!index.RobustError} naming the URL and file: `CORRUPT_FILE` on a checksum mismatch (expected
 *   and got), `IO_ERROR` for a failed request, an error status, a connection lost mid-body (or fewer
 *   bytes than Content-Length), an abort or an unwritable cache; `INVALID_ARGUMENT` for a bad URL or
 *   checksum, or a `fileName` that escapes `cacheDir`.
 * @example
 * ```ts
 * const path = await download('https://example.org/t10k-labels-idx1-ubyte.gz', {
 *   sha256: '8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05',
 *   cacheDir: '/data/fashion-mnist',
 * });
 * ```
 */
export async function download(url: string | URL, options: DownloadOptions): Promise<string> {
  const o = resolveOptions(FN, DEFAULTS, options);
  let parsed: URL | undefined;
  try {
    parsed = new URL(String(url));
  } catch {
    parsed = undefined;
  }
  assert(parsed !== undefined && (parsed.protocol === 'http:' || parsed.protocol === 'https:'), 'INVALID_ARGUMENT', () =>
    `Argument 'url' passed to '${FN}' must be an http(s) URL, got ${describeValue(typeof url === 'string' ? url : String(url))}.`);
  const href = parsed.href;
  assert(typeof o.sha256 === 'string' && /^[0-9a-fA-F]{64}$/.test(o.sha256), 'INVALID_ARGUMENT', () =>
    `Option 'sha256' passed to '${FN}' must be the file's SHA-256 as 64 hex digits, got ${describeValue(o.sha256)}. ` +
      'Compute it once with `sha256sum <file>` from a trusted copy.');
  const expected = o.sha256.toLowerCase();
  assert(o.cacheDir === undefined || (typeof o.cacheDir === 'string' && o.cacheDir.length > 0), 'INVALID_ARGUMENT', () =>
    `Option 'cacheDir' passed to '${FN}' must be a folder path, got ${describeValue(o.cacheDir)}.`);
  const cacheDir = resolve(o.cacheDir ?? defaultCacheDir());
  let fileName = o.fileName;
  if (fileName === undefined) {
    try {
      fileName = decodeURIComponent(basename(parsed.pathname));
    } catch (cause) {
      throw new RobustError('INVALID_ARGUMENT',
        `Argument 'url' passed to '${FN}' has a last path segment that is not valid ` +
          `percent-encoded UTF-8 ('${basename(parsed.pathname)}'); pass { fileName }.`, { cause });
    }
  }
  assert(typeof fileName === 'string' && fileName.length > 0 && fileName !== '.' && fileName !== '..', 'INVALID_ARGUMENT', () =>
    `'${FN}' cannot name the file for '${href}' (its path has no last segment); pass { fileName }.`);
  const target = resolve(cacheDir, fileName);
  assertInside(cacheDir, target, fileName, FN, "Pass a plain file name as 'fileName' (no '..' and no absolute path).");
  assert(target !== cacheDir && basename(target) === fileName, 'INVALID_ARGUMENT', () =>
    `Path '${fileName}' passed to '${FN}' as 'fileName' must be a plain file name inside '${cacheDir}', without folders.`);

  const existing = await stat(target).catch(() => undefined);
  if (existing?.isFile() && (await sha256OfFile(target)) === expected) return target;

  try {
    await mkdir(cacheDir, { recursive: true });
  } catch (cause) {
    throw new RobustError('IO_ERROR', `'${FN}' cannot create the cache folder '${cacheDir}': ${why(cause)}. Pass a writable { cacheDir }.`, { cause });
  }
  await sweepStale(cacheDir, fileName);
  const temp = join(cacheDir, `.${fileName}.${process.pid}.${randomBytes(6).toString('hex')}.part`);
  hook(temp);
  try {
    let response: Response;
    try {
      response = await fetch(href, o.signal === undefined ? {} : { signal: o.signal });
    } catch (cause) {
      throw new RobustError('IO_ERROR', `'${FN}' cannot fetch '${href}': ${why(cause)}. Check the URL and the network.`, { cause });
    }
    if (!response.ok || response.body === null) {
      await response.body?.cancel().catch(() => undefined);
      throw new RobustError('IO_ERROR',
        `'${FN}' cannot fetch '${href}': the server answered ${response.status} ${response.statusText}. Check the URL.`);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    const hash = createHash('sha256');
    let received = 0;
    const handle = await open(temp, 'wx');
    try {
      const reader = response.body.getReader();
      for (;;) {
        let chunk: Awaited<ReturnType<typeof reader.read>>;
        try {
          chunk = await reader.read();
        } catch (cause) {
          throw new RobustError('IO_ERROR',
            `'${FN}' was interrupted after ${received} bytes of '${href}' (${why(cause)}); nothing was kept in '${cacheDir}'. Try again.`, { cause });
        }
        if (chunk.done) break;
        hash.update(chunk.value);
        received += chunk.value.byteLength;
        await handle.write(chunk.value);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (Number.isFinite(declared) && received !== declared) {
      throw new RobustError('IO_ERROR',
        `'${FN}' received ${received} bytes of '${href}', but the server announced ${declared}: the download was cut short. Try again.`);
    }
    const got = hash.digest('hex');
    if (got !== expected) {
      throw new RobustError('CORRUPT_FILE',
        `File '${fileName}' downloaded by '${FN}' from '${href}' fails its checksum: expected sha256 ${expected}, got ${got} ` +
          `(${received} bytes). Nothing was kept. The file at the URL changed or was corrupted in transit: check the URL and the expected checksum.`);
    }
    await rename(temp, target);
    return target;
  } catch (cause) {
    await rm(temp, { force: true }).catch(() => undefined);
    if (cause instanceof RobustError) throw cause;
    throw new RobustError('IO_ERROR', `'${FN}' cannot write '${target}': ${why(cause)}. Check that '${cacheDir}' is writable and has space.`, { cause });
  } finally {
    unhook(temp);
  }
}
