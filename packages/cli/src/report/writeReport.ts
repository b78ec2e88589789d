import { join } from 'node:path';
import { atomicWrite } from '../atomicWrite';
import { renderHtml } from './html';
import type { Report } from './types';

/**
 * A report as `report.json` holds it: JSON indented by one space, with a final newline.
 *
 * @param report - the report.
 * @returns the file's text.
 * @example
 * ```ts
 * writeFileSync('report.json', reportJson(report));
 * ```
 */
export function reportJson(report: Report): string {
  return `${JSON.stringify(report, null, 1)}\n`;
}

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
    await atomicWrite(path, reportJson(report));
    return [path];
  }
  const json = join(dir, 'report.json');
  const html = join(dir, 'report.html');
  await atomicWrite(json, reportJson(report));
  await atomicWrite(html, renderHtml(report));
  return [json, html];
}
