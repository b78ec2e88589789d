import { DATASET_NAMES } from '../threatModel';
import { auroc } from './analysis';
import type { Accuracy, DefenseResult, Report, SummaryRow } from './types';

const pct = (v: number): string => `${(100 * v).toFixed(1)}`;
const delta = (v: number | null): string => (v === null ? '' : `${v >= 0 ? '+' : ''}${(100 * v).toFixed(1)}`);
const ci = (c: readonly [number, number] | null): string => (c === null ? '' : `[${pct(c[0])}, ${pct(c[1])}]`);
const dci = (c: readonly [number, number] | null): string => (c === null ? '' : `[${delta(c[0])}, ${delta(c[1])}]`);

const medianOf = (v: readonly number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Medians and AUROC (clean vs adversarial) of every numeric per-image statistic (e.g. SSNI's norms and timesteps). */
function perImageLines(r: DefenseResult): string[] {
  const keys = new Set(r.images.flatMap((i) => Object.entries(i.info?.clean ?? {}).filter(([, v]) => typeof v === 'number').map(([k]) => k)));
  return [...keys].map((k) => {
    const side = (s: 'clean' | 'adversarial'): number[] => r.images.map((i) => i.info?.[s][k]).filter((v): v is number => typeof v === 'number');
    const clean = side('clean');
    const adv = side('adversarial');
    return `${k}: median ${Number(medianOf(clean).toPrecision(4))} clean vs ${Number(medianOf(adv).toPrecision(4))} adversarial ` +
      `(first candidate), AUROC ${adv.length > 0 && clean.length > 0 ? auroc(clean, adv).toFixed(3) : 'n/a'}`;
  });
}

/** Which attack (and named candidate) broke each image first: the worst case, said by attack. */
function brokenCounts(r: DefenseResult): string[] {
  const counts = new Map<string, number>();
  for (const i of r.images) {
    if (i.brokenBy === null || i.brokenBy === undefined) continue;
    const names = r.attacks.find((a) => a.name === i.brokenBy!.attack)?.candidates;
    const key = `${i.brokenBy.attack}${names === undefined ? '' : ` '${names[i.brokenBy.candidate] ?? i.brokenBy.candidate}'`}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  if (counts.size === 0) return [];
  const robust = r.images.filter((i) => i.clean === i.label && i.adversarial === i.label).length;
  const parts = [...counts].map(([k, v]) => `${k} ${v}`).join(', ');
  return [`broken first by: ${parts}; robust ${robust} of ${r.images.length}`];
}

/** Counts of every boolean per-batch statistic (e.g. DAD's `flagged`): clean batches, then adversarial ones per attack. */
function booleanCounts(r: DefenseResult): string[] {
  const keys = new Set(r.batches.flatMap((b) => Object.entries(b.info.clean).filter(([, v]) => typeof v === 'boolean').map(([k]) => k)));
  return [...keys].map((k) => {
    const clean = r.batches.filter((b) => b.info.clean[k] === true).length;
    const byAttack = new Map<string, [number, number]>();
    for (const a of r.batches.flatMap((b) => b.info.adversarial)) {
      const c = byAttack.get(a.attack) ?? [0, 0];
      byAttack.set(a.attack, [c[0] + (a.info[k] === true ? 1 : 0), c[1] + 1]);
    }
    const adv = [...byAttack].map(([name, [t, n]]) => `${t}/${n} adversarial batches (${name})`).join(', ');
    return `${k}: ${clean}/${r.batches.length} clean batches${adv === '' ? '' : `, ${adv}`}`;
  });
}

const acc = (a: Accuracy): string => `${pct(a.rate)} % ${ci(a.ci95)} (${a.count}/${a.of})`;

/** Each attack on its own, mixed batches, and batch detection (from the summary row). */
function analysisLines(row: SummaryRow | undefined): string[] {
  if (row === undefined) return [];
  const out: string[] = [];
  for (const a of row.byAttack ?? []) {
    const d = a.delta === undefined ? '' : `; Δ vs base ${delta(a.delta.difference)} ${dci(a.delta.ci95)}`;
    out.push(`alone: ${a.attack}${a.candidate === null ? '' : ` '${a.candidate}'`} robust ${acc(a.robust)}${d}`);
  }
  if (row.mixed !== undefined) {
    out.push(`mixed batches: attacked images robust ${acc(row.mixed.attacked)}, clean bystanders ${acc(row.mixed.bystanders)}`);
  }
  const d = row.detection;
  if (d !== undefined) {
    const theta = d.thresholds.map((t) => Number(t.toPrecision(4))).join(', ');
    out.push(`detection at θ = ${theta}: clean batches flagged (FPR) ${acc(d.falsePositives)}`);
    for (const a of d.attacks) {
      out.push(`  ${a.attack} '${a.candidate}': adversarial batches flagged (TPR) ${acc(a.truePositives)}, AUROC ${a.auroc.toFixed(3)}`);
    }
  }
  return out;
}

/** `[0, 1, 2, 5, 7, 8]` → `'0–2, 5, 7–8'`. */
function ranges(indices: readonly number[]): string {
  const out: string[] = [];
  let start = indices[0];
  for (let k = 1; k <= indices.length; k++) {
    const prev = indices[k - 1] as number;
    const cur = indices[k];
    if (cur === prev + 1) continue;
    out.push(start === prev ? `${prev}` : `${start}–${prev}`);
    start = cur;
  }
  return out.join(', ');
}

/**
 * The report as text: the table (method, clean %, robust %, Δ clean and Δ robust against the base method, seconds per
 * image) and the full protocol under it (attack, norm, ε, steps, EOT, restarts, each defense's steps and surrogate,
 * seeds, images, backend).
 *
 * @param report - a complete or partial report.
 * @returns the text, lines ending in `\n`.
 * @example
 * ```ts
 * process.stdout.write(renderTable(report));
 * ```
 */
export function renderTable(report: Report): string {
  const head = ['method', 'clean %', '95 % CI', 'robust %', '95 % CI', 'Δ clean', '95 % CI', 'Δ robust', '95 % CI', 's/img', 'attack s/img'];
  const rows = report.summary.map((r) => [
    r.label, pct(r.cleanAccuracy), ci(r.cleanCi95), pct(r.robustAccuracy), ci(r.robustCi95), delta(r.deltaClean), dci(r.deltaCleanCi95),
    delta(r.deltaRobust), dci(r.deltaRobustCi95), r.secondsPerImage.toFixed(3), r.attackSecondsPerImage.toFixed(2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const out: string[] = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const p = report.protocol;
  const a = p.attack;
  const images = report.summary[0]?.images ?? 0;
  out.push('');
  const range = p.offset === 0 ? '' : `, rows ${p.offset}..${p.offset + p.images - 1}`;
  out.push(`Protocol: ${DATASET_NAMES[p.dataset]} test split, ${images} image(s) of ${p.images} (seeded permutation, seed ${p.seed}${range}), batches of ${p.batchSize}` +
    `${report.shard === null ? '' : `, shard ${report.shard.index}/${report.shard.count} (batches ${report.shard.batches[0]}–${report.shard.batches[1] - 1})`}.`);
  if (report.partial !== undefined) {
    out.push(`PARTIAL: shards ${ranges(report.partial.shards)} of ${report.partial.count} merged (a run in progress); ` +
      'every number covers their images only.');
  }
  const budget = p.attacks === null ? 'budget' : 'default budget (each attack lists its own below)';
  out.push(`Threat model: ${a.norm === 'linf' ? 'l_inf' : 'l_2'} eps ${a.eps}; ${budget} ${a.steps} steps of ${(a.stepSize ?? (2.5 * a.eps) / Math.max(a.steps, 1)).toPrecision(3)}, ` +
    `EOT ${a.eot}, restarts ${a.restarts}, ${a.randomStart ? 'random start' : 'no random start'}; robust = accuracy on the adversarial images ` +
    '(right on the clean image and on every candidate of every attack and restart: per-sample worst case); intervals: ' +
    'Wilson 95 %, Δ paired on the same images.');
  for (const [n, r] of report.results.entries()) {
    const s = Object.entries(r.defense.settings).filter(([, v]) => v === null || typeof v !== 'object' || Array.isArray(v))
      .map(([k, v]) => `${k} ${Array.isArray(v) ? `[${v.join(',')}]` : typeof v === 'number' ? Number(v.toPrecision(4)) : String(v)}`).join(', ');
    out.push(`- ${r.label}: ${s || 'no purification'}; attack: ${r.attacks.map((x) => x.description).join('; ')}.`);
    const row = report.summary[n];
    const lines = [...brokenCounts(r), ...perImageLines(r), ...(row?.detection === undefined ? booleanCounts(r) : []), ...analysisLines(row)];
    for (const line of lines) out.push(`  ${line}`);
  }
  for (const s of report.skipped) out.push(`- skipped defenses[${s.position}] (${s.name}): ${s.reason}`);
  const e = report.environment;
  out.push(`Backend: ${e.backend}${e.native ? ' + native oneDNN kernels' : ''}, Node ${e.node}; ${e.seconds.toFixed(1)} s${e.shards > 1 ? ` over ${e.shards} shards` : ''}.`);
  return `${out.join('\n')}\n`;
}
