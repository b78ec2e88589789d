/**
 * Adds the browser rows of bench/results.json to the backends table that core's bench writes
 * (packages/core/bench/backends.json, `{ table, columns, rows }`): rows with `platform: 'browser'` and the same
 * backend are replaced, every other row is kept.
 *
 *   node --import tsx examples/browser/bench/mergeIntoTable.ts [results.json] [backends.json]
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const resultsFile = process.argv[2] ?? join(here, 'results.json');
const tableFile = process.argv[3] ?? resolve(here, '../../../packages/core/bench/backends.json');
if (!existsSync(tableFile)) {
  console.error(`${tableFile} does not exist yet: run \`npm run bench -w @robustjs/core\` first.`);
  process.exit(1);
}
interface Results {
  date: string;
  tfjs: string;
  chromium: string;
  machine: { cores: number; loadAverage1m: number };
  backends: Record<string, Record<string, unknown>>;
}
const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as Results;
const table = JSON.parse(readFileSync(tableFile, 'utf8')) as { rows: Record<string, unknown>[] };
for (const [backend, r] of Object.entries(results.backends)) {
  if (typeof r.detectorScore100 !== 'number') continue; // a backend that failed to start has no row
  const row = {
    platform: 'browser', backend,
    adapter: backend === 'wasm' ? null : `SwiftShader (${results.chromium}, headless)`,
    detectorScore100: r.detectorScore100, unetForward64: r.unetForward64, epsNormPerImage: r.epsNormPerImage,
    epsImages: r.epsImages, repeats: r.repeats, tfjs: results.tfjs, node: null, cpus: results.machine.cores,
    load1: results.machine.loadAverage1m, date: results.date,
  };
  const i = table.rows.findIndex((x) => x.platform === 'browser' && x.backend === backend);
  if (i >= 0) table.rows[i] = row;
  else table.rows.push(row);
}
writeFileSync(tableFile, `${JSON.stringify(table, null, 2)}\n`);
console.log(`merged the browser rows of ${resultsFile} into ${tableFile}`);
