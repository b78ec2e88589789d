/**
 * Recomputes the `summary` of committed `robustjs eval` reports from their own per-image records, after a
 * change to the statistics (e.g. the paired Δ interval). Records, protocol and environment stay as run; only
 * the derived summary is rewritten, as `robustjs eval` would write it today. Prints what changed.
 *
 *   node --conditions=@robustjs/source --import tsx packages/cli/scripts/resummarize.ts <report.json> …
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { summarize } from '../src/report/summarize';
import type { Report } from '../src/report/types';
import { reportJson } from '../src/report/writeReport';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: resummarize.ts <report.json> …');
  process.exit(2);
}
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const report = JSON.parse(text) as Report;
  if (report.format !== 'robustjs-report') throw new Error(`${file}: not a robustjs report (format ${String(report.format)})`);
  if (!report.results.every((r) => Array.isArray(r.images))) {
    console.log(`${file}: skipped, a trimmed report without per-image records (its summary cannot be recomputed)`);
    continue;
  }
  const next = reportJson({ ...report, summary: summarize(report.results) });
  if (next === text) {
    console.log(`${file}: unchanged`);
    continue;
  }
  writeFileSync(file, next);
  console.log(`${file}: summary recomputed`);
}
