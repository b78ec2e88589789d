import { join } from 'node:path';
import { atomicWrite } from '../atomicWrite';
import { renderHtml } from './html';
import type { Report } from './types';

/**
 * Writes a report into `dir`, each file atomically (temp file, then rename): a complete report as `report.json` and
 * `report.html`; a partial one (a shard) as `report.shard-<i>-of-<n>.json` only.
 *
 * @param report - the report.
 * @param dir - the output folder (created).
 * @returns the paths written.
 * @example
 * ```ts
 * const files = await writeReport(report, 'robustjs-report');
 * ```
 */
export async function writeReport(report: Report, dir: string): Promise<string[]> {
  if (report.shard !== null) {
    const path = join(dir, `report.shard-${report.shard.index}-of-${report.shard.count}.json`);
    await atomicWrite(path, `${JSON.stringify(report, null, 1)}\n`);
    return [path];
  }
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  await atomicWrite(json, `${JSON.stringify(report, null, 1)}\n`);
  await atomicWrite(html, renderHtml(report));
  return [json, html];
}
