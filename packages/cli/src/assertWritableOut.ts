import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CliError } from './errors';

function reason(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

/**
 * Checks, before any evaluation, that the report folder `dir` can be written: the folder is created (with its
 * parents), a probe file is written into it and removed, and none of `files` (the report's file names) is an
 * existing folder. Folders it created are removed again, so a run that fails later leaves nothing behind.
 *
 * @param dir - the absolute output folder (`--out`, resolved).
 * @param files - the file names the report will have inside `dir` (e.g. `report.json`, `report.html`).
 * @throws {@link CliError} naming `--out` and the path, with the system's reason (EACCES, ENOTDIR, EEXIST, …), when
 *   the folder cannot be created or written, or a report file's path is a folder.
 * @example
 * ```ts
 * await assertWritableOut(resolve(flags.out), ['report.json', 'report.html']);
 * ```
 */
export async function assertWritableOut(dir: string, files: readonly string[]): Promise<void> {
  const fix = 'Pass --out a folder you can write to.';
  let created: string | undefined;
  try {
    created = await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new CliError(`Option '--out' must be a folder that can be created and written, but '${dir}' cannot be created: ${reason(error)}. ${fix}`);
  }
  const probe = join(dir, `.robustjs-write-probe.${process.pid}`);
  try {
    try {
      await writeFile(probe, '');
      await rm(probe, { force: true });
    } catch (error) {
      throw new CliError(`Option '--out' must be a writable folder, but '${dir}' cannot be written: ${reason(error)}. ${fix}`);
    }
    for (const name of files) {
      const path = join(dir, name);
      const isDir = await stat(path).then((s) => s.isDirectory(), () => false);
      if (isDir) throw new CliError(`Option '--out': the report file '${path}' is an existing folder (EISDIR). Remove it, or ${fix.charAt(0).toLowerCase()}${fix.slice(1)}`);
    }
  } finally {
    if (created !== undefined) await rm(created, { recursive: true, force: true });
  }
}
