#!/usr/bin/env node
// Markdown tables of a robustjs report (report.json of `robustjs eval` or `robustjs merge`) for the README:
// robust accuracy per attack with its 95 % interval, and each row's paired Δ against its base, per attack.
//   node packages/ssni/scripts/reportTables.mjs <report.json>
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (file === undefined) {
  process.stderr.write('usage: node reportTables.mjs <report.json>\n');
  process.exit(2);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const pct = (v) => (100 * v).toFixed(1);
const sig = (v) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}`;
const ci = (c) => `[${pct(c[0])}, ${pct(c[1])}]`;
const dci = (c) => `[${sig(c[0])}, ${sig(c[1])}]`;
const attacks = [];
for (const row of report.summary) {
  for (const a of row.byAttack ?? []) if (a.candidate === null && !attacks.includes(a.attack)) attacks.push(a.attack);
}
const head = ['defense', 'clean', ...attacks, 'worst case'];
const line = (cells) => `| ${cells.join(' | ')} |`;
const out = [line(head), line(head.map((_, i) => (i === 0 ? '---' : '---:')))];
for (const r of report.summary) {
  const by = new Map((r.byAttack ?? []).filter((a) => a.candidate === null).map((a) => [a.attack, a]));
  const cells = attacks.map((name) => {
    const a = by.get(name);
    return a === undefined ? '' : `${pct(a.robust.rate)} ${ci(a.robust.ci95)}`;
  });
  out.push(line([r.label, `${pct(r.cleanAccuracy)} ${ci(r.cleanCi95)}`, ...cells, `${pct(r.robustAccuracy)} ${ci(r.robustCi95)}`]));
}
out.push('');
const dhead = ['Δ vs base', 'clean', ...attacks, 'worst case'];
out.push(line(dhead), line(dhead.map((_, i) => (i === 0 ? '---' : '---:'))));
for (const r of report.summary) {
  if (r.base === null || r.deltaClean === null) continue;
  const by = new Map((r.byAttack ?? []).filter((a) => a.candidate === null).map((a) => [a.attack, a]));
  const cells = attacks.map((name) => {
    const d = by.get(name)?.delta;
    return d === undefined ? '' : `${sig(d.difference)} ${dci(d.ci95)}`;
  });
  out.push(line([r.label, `${sig(r.deltaClean)} ${dci(r.deltaCleanCi95)}`, ...cells, `${sig(r.deltaRobust)} ${dci(r.deltaRobustCi95)}`]));
}
const p = report.protocol;
const images = report.summary[0]?.images ?? 0;
const partial = report.partial === undefined ? '' : `; partial: ${report.partial.shards.length} of ${report.partial.count} shards`;
out.push('', `${images} of ${p.images} images${partial}; ${p.attack.norm} ε = ${p.attack.eps}; % (95 % Wilson / paired intervals).`);
process.stdout.write(`${out.join('\n')}\n`);
