import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a file atomically: the bytes go to `<path>.<pid>.tmp` first and are renamed onto `path` only when complete,
 * so an interrupted run never leaves a half-written report (at worst a stray `.tmp` file, removed on failure).
 *
 * @param path - the destination; its folder is created.
 * @param data - the content.
 * @returns resolves when the file is in place.
 * @example
 * ```ts
 * await atomicWrite('out/report.json', JSON.stringify(report));
 * ```
 */
export async function atomicWrite(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}
