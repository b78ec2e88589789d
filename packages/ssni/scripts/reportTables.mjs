#!/usr/bin/env node
// Markdown tables of a robustjs report (report.json of `robustjs eval` or `robustjs merge`) for the README:
// robust accuracy per attack with its 95 % interval, and each row's paired Δ against its base, per attack.
// --split k: at most k figure columns a table (the defense column repeated), to keep lines short.
//   node packages/ssni/scripts/reportTables.mjs <report.json> [--split k]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const at = args.indexOf('--split');
const split = at === -1 ? Infinity : Number(args[at + 1]);
const file = args.find((a, i) => !a.startsWith('--') && (at === -1 || i !== at + 1));
if (file === undefined || !(split === Infinity || (Number.isInteger(split) && split >= 1))) {
  process.stderr.write('usage: node reportTables.mjs <report.json> [--split k], k an integer ≥ 1\n');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const minus = (s) => s.replaceAll('-', '−');
const pct = (v) => (100 * v).toFixed(1);
const sig = (v) => minus(`${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}`);
const ci = (c) => `[${pct(c[0])}, ${pct(c[1])}]`;
const dci = (c) => `[${sig(c[0])}, ${sig(c[1])}]`;
const attacks = [];
for (const row of report.summary) {
  for (const a of row.byAttack ?? []) if (a.candidate === null && !attacks.includes(a.attack)) attacks.push(a.attack);
}
const line = (cells) => `| ${cells.join(' | ')} |`;
const out = [];
/** Tables of `rows` (label + one cell per column), at most `split` columns each; empty columns left out. */
const tables = (corner, allColumns, allRows) => {
  const keep = allColumns.map((_, j) => allRows.some(([, cells]) => cells[j] !== ''));
  const columns = allColumns.filter((_, j) => keep[j]);
  const rows = allRows.map(([label, cells]) => [label, cells.filter((_, j) => keep[j])]);
  for (let from = 0; from < columns.length; from += split) {
    const to = Math.min(columns.length, from + split);
    const head = [corner, ...columns.slice(from, to)];
    out.push(line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:'))));
    for (const [label, cells] of rows) out.push(line([label, ...cells.slice(from, to)]));
    out.push('');
  }
};
const columns = ['clean', ...attacks, 'worst case'];
const byAttack = (r) => new Map((r.byAttack ?? []).filter((a) => a.candidate === null).map((a) => [a.attack, a]));
tables('defense', columns, report.summary.map((r) => {
  const by = byAttack(r);
  const cells = attacks.map((name) => {
    const a = by.get(name);
    return a === undefined ? '' : `${pct(a.robust.rate)} ${ci(a.robust.ci95)}`;
  });
  return [r.label, [`${pct(r.cleanAccuracy)} ${ci(r.cleanCi95)}`, ...cells, `${pct(r.robustAccuracy)} ${ci(r.robustCi95)}`]];
}));
const paired = report.summary.filter((r) => r.base !== null && r.deltaClean !== null);
tables('Δ vs base', columns, paired.map((r) => {
  const by = byAttack(r);
  const cells = attacks.map((name) => {
    const d = by.get(name)?.delta;
    return d === undefined ? '' : `${sig(d.difference)} ${dci(d.ci95)}`;
  });
  return [r.label, [`${sig(r.deltaClean)} ${dci(r.deltaCleanCi95)}`, ...cells, `${sig(r.deltaRobust)} ${dci(r.deltaRobustCi95)}`]];
}));
const p = report.protocol;
const images = report.summary[0]?.images ?? 0;
const partial = report.partial === undefined ? '' : `; partial: ${report.partial.shards.length} of ${report.partial.count} shards`;
out.push(`${images} of ${p.images} images${partial}; ${p.attack.norm} ε = ${p.attack.eps}; % (95 % Wilson / paired intervals).`);
process.stdout.write(`${out.join('\n')}\n`);
