import { DATASET_NAMES } from '../threatModel';
import { renderTable } from './table';
import type { Report } from './types';

const CLEAN = '#2b6cb0';
const ADV = '#c53030';

/**
 * The report page's Content-Security-Policy: no scripts, no fetches; only inline styles and `data:` images.
 *
 * @example
 * ```ts
 * const meta = `<meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}">`;
 * ```
 */
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";

/** The only image sources the page embeds: base64 PNG data URIs, as `eval` writes them. */
const PNG_DATA_URI = /^data:image\/png;base64,[A-Za-z0-9+/=]+$/;

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const fmt = (v: number): string => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toPrecision(2));

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The keys whose values are numbers in at least one of the records, in first-seen order. */
function numericKeys(records: readonly Readonly<Record<string, unknown>>[]): string[] {
  const keys = new Set<string>();
  for (const rec of records) for (const [k, v] of Object.entries(rec)) if (isNumber(v)) keys.add(k);
  return [...keys];
}

interface Series { readonly name: string; readonly color: string; readonly values: readonly number[] }

/** A bar chart of grouped values (one group per label), as inline SVG. */
function groupedBars(title: string, groups: readonly string[], series: readonly Series[], max = 1, unit = '%'): string {
  const w = 760;
  const h = 300;
  const left = 50;
  const bottom = 90;
  const plotH = h - bottom - 42;
  const gw = (w - left - 10) / Math.max(groups.length, 1);
  const bw = (gw * 0.8) / series.length;
  const y = (v: number): number => 42 + plotH * (1 - v / max);
  const bars = groups.map((g, i) => series.map((s, k) => {
    const v = s.values[i] ?? 0;
    const x = left + i * gw + gw * 0.1 + k * bw;
    return `<rect class="mark" x="${x.toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(plotH * (v / max)).toFixed(1)}" fill="${s.color}"><title>${esc(g)} ${esc(s.name)}: ${unit === '%' ? (100 * v).toFixed(1) : fmt(v)}${unit}</title></rect>` +
      `<text x="${(x + bw / 2 - 1).toFixed(1)}" y="${(y(v) - 3).toFixed(1)}" font-size="9" text-anchor="middle">${unit === '%' ? (100 * v).toFixed(0) : fmt(v)}</text>`;
  }).join('') + `<text x="${(left + i * gw + gw / 2).toFixed(1)}" y="${h - bottom + 14}" font-size="10" text-anchor="end" transform="rotate(-30 ${(left + i * gw + gw / 2).toFixed(1)} ${h - bottom + 14})">${esc(g)}</text>`).join('');
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => `<line x1="${left}" x2="${w - 10}" y1="${y(f * max)}" y2="${y(f * max)}" stroke="#ddd"/><text x="${left - 4}" y="${y(f * max) + 3}" font-size="10" text-anchor="end">${unit === '%' ? (100 * f * max).toFixed(0) : fmt(f * max)}</text>`).join('');
  return svg(title, w, h, ticks + bars, series);
}

function legend(series: readonly Series[]): string {
  return series.map((s, k) => `<rect x="${10 + k * 130}" y="24" width="10" height="10" fill="${s.color}"/><text x="${24 + k * 130}" y="33" font-size="11">${esc(s.name)}</text>`).join('');
}

function svg(title: string, w: number, h: number, body: string, series: readonly Series[]): string {
  return `<figure><svg class="plot" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}">` +
    `<text x="10" y="16" font-size="13" font-weight="bold">${esc(title)}</text>${body}${legend(series)}</svg></figure>`;
}

const PALETTE = ['#d62728', '#1f77b4', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b', '#e377c2', '#17becf'];

/** ROC curves (false-positive rate → true-positive rate), one per series, with the operating points, as inline SVG. */
function roc(title: string, curves: readonly { name: string; points: readonly (readonly [number, number])[];
  at: readonly [number, number] }[]): string {
  const w = 380;
  const h = 300;
  const left = 44;
  const top = 44;
  const size = 210;
  const px = (f: number): number => left + size * f;
  const py = (t: number): number => top + size * (1 - t);
  const lines = curves.map((c, k) => {
    const color = PALETTE[k % PALETTE.length] as string;
    const d = c.points.map(([f, t], i) => `${i === 0 ? 'M' : 'L'}${px(f).toFixed(1)},${py(t).toFixed(1)}`).join('');
    const [f, t] = c.at;
    return `<path class="mark" d="${d}" fill="none" stroke="${color}" stroke-width="1.5"/>` +
      `<circle cx="${px(f).toFixed(1)}" cy="${py(t).toFixed(1)}" r="3.5" fill="${color}"><title>${esc(c.name)} at θ: ` +
      `FPR ${(100 * f).toFixed(1)} %, TPR ${(100 * t).toFixed(1)} %</title></circle>`;
  }).join('');
  const axes = `<rect x="${left}" y="${top}" width="${size}" height="${size}" fill="none" stroke="#999"/>` +
    `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#ccc" stroke-dasharray="3 3"/>` +
    [0, 0.5, 1].map((v) => `<text x="${px(v)}" y="${top + size + 14}" font-size="10" text-anchor="middle">${v}</text>` +
      `<text x="${left - 4}" y="${py(v) + 3}" font-size="10" text-anchor="end">${v}</text>`).join('') +
    `<text x="${px(0.5)}" y="${top + size + 28}" font-size="10" text-anchor="middle">false-positive rate (clean batches)</text>` +
    `<text x="12" y="${py(0.5)}" font-size="10" text-anchor="middle" transform="rotate(-90 12 ${py(0.5)})">true-positive rate</text>`;
  const keyed = curves.map((c, k) => `<rect x="${left + size + 12}" y="${top + 4 + 16 * k}" width="10" height="10" ` +
    `fill="${PALETTE[k % PALETTE.length]}"/><text x="${left + size + 26}" y="${top + 13 + 16 * k}" font-size="10">${esc(c.name)}</text>`).join('');
  return `<figure><svg class="plot" role="img" aria-label="${esc(title)}" xmlns="http://www.w3.org/2000/svg" width="${w + 120}" ` +
    `height="${h}" viewBox="0 0 ${w + 120} ${h}"><text x="10" y="16" font-size="13" font-weight="bold">${esc(title)}</text>` +
    `${axes}${lines}${keyed}</svg></figure>`;
}

/** Overlaid histograms of two or more series on shared bins, as inline SVG. */
function histogram(title: string, xLabel: string, series: readonly Series[], bins = 20): string {
  const all = series.flatMap((s) => s.values).filter(Number.isFinite);
  const w = 380;
  const h = 240;
  if (all.length === 0) return `<p class="empty">${esc(title)}: no data.</p>`;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  const width = (hi - lo) / bins;
  const counts = series.map((s) => {
    const c = new Array<number>(bins).fill(0);
    for (const v of s.values) if (Number.isFinite(v)) c[Math.min(bins - 1, Math.floor((v - lo) / width))]! += 1;
    return c;
  });
  const max = Math.max(1, ...counts.flat());
  const left = 36;
  const plotW = w - left - 10;
  const plotH = h - 82;
  const bars = counts.map((c, k) => c.map((n, i) => n === 0 ? '' :
    `<rect class="mark" x="${(left + (i * plotW) / bins).toFixed(1)}" y="${(42 + plotH * (1 - n / max)).toFixed(1)}" width="${(plotW / bins - 1).toFixed(1)}" height="${((plotH * n) / max).toFixed(1)}" fill="${(series[k] as Series).color}" fill-opacity="0.55"><title>${esc((series[k] as Series).name)}: ${n} in [${fmt(lo + i * width)}, ${fmt(lo + (i + 1) * width)})</title></rect>`).join('')).join('');
  const axis = `<line x1="${left}" x2="${w - 10}" y1="${42 + plotH}" y2="${42 + plotH}" stroke="#333"/>` +
    `<text x="${left}" y="${56 + plotH}" font-size="10">${fmt(lo)}</text><text x="${w - 10}" y="${56 + plotH}" font-size="10" text-anchor="end">${fmt(hi)}</text>` +
    `<text x="${(left + w - 10) / 2}" y="${72 + plotH}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>` +
    `<text x="${left - 4}" y="46" font-size="10" text-anchor="end">${max}</text>`;
  return svg(title, w, h, axis + bars, series);
}

/**
 * An `<img>` of a PNG data URI, or, for anything else (a hostile or damaged report), a note in its place: the string
 * never reaches an attribute.
 */
function image(src: unknown, alt: string): string {
  return typeof src === 'string' && PNG_DATA_URI.test(src)
    ? `<img src="${esc(src)}" alt="${esc(alt)}" width="84" height="84">`
    : `<span class="empty">(${esc(alt)}: not a PNG data URI, omitted)</span>`;
}

/** Dots of per-batch values per group with an optional threshold line, as inline SVG. */
function dots(title: string, groups: readonly string[], series: readonly { name: string; color: string; values: readonly (readonly number[])[] }[], threshold: number | undefined): string {
  const all = series.flatMap((s) => s.values.flat()).concat(threshold === undefined ? [] : [threshold]).filter(Number.isFinite);
  if (all.length === 0) return `<p class="empty">${esc(title)}: no data.</p>`;
  const w = 760;
  const h = 280;
  const left = 60;
  const bottom = 90;
  const plotH = h - bottom - 42;
  const lo = Math.min(0, ...all);
  const hi = Math.max(...all) * 1.1 || 1;
  const y = (v: number): number => 42 + plotH * (1 - (v - lo) / (hi - lo));
  const gw = (w - left - 10) / Math.max(groups.length, 1);
  const marks = groups.map((g, i) => series.map((s, k) => (s.values[i] ?? []).map((v) =>
    `<circle class="mark" cx="${(left + i * gw + gw * (0.35 + 0.3 * k)).toFixed(1)}" cy="${y(v).toFixed(1)}" r="4" fill="${s.color}" fill-opacity="0.8"><title>${esc(g)} ${esc(s.name)}: ${v.toPrecision(4)}</title></circle>`).join('')).join('') +
    `<text x="${(left + i * gw + gw / 2).toFixed(1)}" y="${h - bottom + 14}" font-size="10" text-anchor="end" transform="rotate(-30 ${(left + i * gw + gw / 2).toFixed(1)} ${h - bottom + 14})">${esc(g)}</text>`).join('');
  const line = threshold === undefined ? '' : `<line x1="${left}" x2="${w - 10}" y1="${y(threshold)}" y2="${y(threshold)}" stroke="#555" stroke-dasharray="4 3"/><text x="${w - 12}" y="${y(threshold) - 4}" font-size="10" text-anchor="end">threshold = ${threshold.toPrecision(3)}</text>`;
  const axis = `<line x1="${left}" x2="${left}" y1="42" y2="${42 + plotH}" stroke="#333"/><text x="${left - 4}" y="${y(hi) + 10}" font-size="10" text-anchor="end">${hi.toPrecision(2)}</text><text x="${left - 4}" y="${y(lo)}" font-size="10" text-anchor="end">${lo.toPrecision(2)}</text>`;
  return svg(title, w, h, axis + line + marks, series.map((s) => ({ name: s.name, color: s.color, values: [] })));
}

/**
 * The report as one self-contained HTML page (no scripts, no external resources): the table and protocol, accuracy
 * bars, histograms of every numeric per-image statistic a defense reports (clean vs adversarial; e.g. SSNI's EPS norms
 * and timesteps), dots of every numeric per-batch statistic (e.g. DAD's MMD statistic, with its `threshold` as a line),
 * and example images (clean, adversarial, purified) as PNG data URIs.
 *
 * Safe for hostile reports: every string is HTML-escaped, an image string that is not a base64 PNG data URI is
 * replaced by a note, and a Content-Security-Policy meta tag ({@link REPORT_CSP}) forbids scripts.
 *
 * @param report - a report (complete or partial).
 * @returns the HTML text.
 * @example
 * ```ts
 * await atomicWrite('report.html', renderHtml(report));
 * ```
 */
export function renderHtml(report: Report): string {
  const labels = report.summary.map((r) => r.label);
  const parts: string[] = [];
  parts.push(`<h2>Accuracy</h2>${groupedBars('Clean and robust accuracy (%)', labels, [
    { name: 'clean', color: CLEAN, values: report.summary.map((r) => r.cleanAccuracy) },
    { name: 'robust', color: ADV, values: report.summary.map((r) => r.robustAccuracy) },
  ])}`);
  parts.push('<h2>Per-image statistics of the defenses (clean vs adversarial)</h2>');
  const perImage = report.results.flatMap((r) => numericKeys(r.images.map((i) => i.info?.clean ?? {})).map((k) => ({ r, k })));
  if (perImage.length === 0) parts.push('<p class="empty">No defense in this protocol reports per-image statistics.</p>');
  for (const { r, k } of perImage) {
    const values = (side: 'clean' | 'adversarial'): number[] => r.images.map((i) => i.info?.[side][k]).filter(isNumber);
    parts.push(histogram(`${r.label}: ${k}`, k, [
      { name: 'clean', color: CLEAN, values: values('clean') }, { name: 'adversarial', color: ADV, values: values('adversarial') },
    ]));
  }
  parts.push('<h2>Per-batch statistics of the defenses (clean vs adversarial batches)</h2>');
  const perBatch = report.results.flatMap((r) => numericKeys(r.batches.map((b) => b.info.clean)).filter((k) => k !== 'threshold').map((k) => ({ r, k })));
  if (perBatch.length === 0) parts.push('<p class="empty">No defense in this protocol reports per-batch statistics.</p>');
  for (const { r, k } of perBatch) {
    const threshold = r.batches.map((b) => b.info.clean.threshold).find(isNumber);
    parts.push(dots(`${r.label}: ${k} per batch (adversarial: every candidate)`, [r.label], [
      { name: 'clean batch', color: CLEAN, values: [r.batches.map((b) => b.info.clean[k]).filter(isNumber)] },
      { name: 'adversarial batch', color: ADV, values: [r.batches.flatMap((b) => b.info.adversarial.map((a) => a.info[k])).filter(isNumber)] },
    ], threshold));
  }
  const detecting = report.summary.filter((row) => row.detection !== undefined);
  if (detecting.length > 0) parts.push('<h2>Batch detection: ROC of the statistic (clean vs adversarial batches)</h2>');
  for (const row of detecting) {
    const d = row.detection!;
    parts.push(roc(`${row.label}: ROC per attack (dot: the threshold θ)`, d.attacks.map((a) => ({
      name: `${a.attack} '${a.candidate}' (AUROC ${a.auroc.toFixed(3)})`, points: a.roc,
      at: [d.falsePositives.rate, a.truePositives.rate] as const,
    }))));
  }
  parts.push('<h2>Examples</h2>');
  if (report.examples.length === 0) parts.push('<p class="empty">No examples (protocol.examples = 0).</p>');
  else {
    const head = `<tr><th>clean</th>${report.results.map((r) => `<th colspan="2">${esc(r.label)}<br><small>adversarial · purified</small></th>`).join('')}</tr>`;
    const rows = report.examples.map((e) => `<tr><td>${image(e.clean, `clean ${e.index}`)}<br><small>#${esc(e.index)} ${esc(report.classNames[e.label] ?? String(e.label))}</small></td>${report.results.map((r) => {
      const x = r.examples.find((q) => q.index === e.index);
      const rec = r.images.find((q) => q.index === e.index);
      const name = (k: number | undefined): string => (k === undefined ? '' : esc(report.classNames[k] ?? String(k)));
      return x === undefined ? '<td></td><td></td>' : `<td>${image(x.adversarial, `adversarial ${e.index}`)}</td><td>${image(x.purifiedAdversarial, `purified adversarial ${e.index}`)}<br><small class="${rec?.adversarial === e.label ? 'ok' : 'bad'}">${name(rec?.adversarial)}</small></td>`;
    }).join('')}</tr>`).join('');
    parts.push(`<div class="scroll"><table class="examples">${head}${rows}</table></div>`);
  }
  const partial = report.partial === undefined ? '' : ` (partial: ${report.partial.shards.length} of ${report.partial.count} shards)`;
  const title = `robustjs report: ${report.results.length} defense(s) on ${report.summary[0]?.images ?? 0} ` +
    `${DATASET_NAMES[report.protocol.dataset]} image(s)${partial}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${REPORT_CSP}"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
pre{background:#f6f6f6;padding:12px;white-space:pre-wrap;font-size:12px}
figure{display:inline-block;margin:8px 8px 8px 0}
.row{display:flex;flex-wrap:wrap}
.scroll{overflow-x:auto}
table.examples td,table.examples th{text-align:center;padding:2px 4px;font-weight:normal;font-size:11px}
img{image-rendering:pixelated}
.ok{color:${CLEAN}}.bad{color:${ADV}}.empty{color:#777}
</style></head>
<body>
<h1>${esc(title)}</h1>
<pre>${esc(renderTable(report))}</pre>
${parts.join('\n')}
</body></html>
`;
}
