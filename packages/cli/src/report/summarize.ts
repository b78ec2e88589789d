import type { DefenseResult, SummaryRow } from './types';

/**
 * The summary table of a set of defense results: clean and robust accuracy from the per-image records, Δ against the
 * first row whose label is the base's, and seconds per image from the per-batch records.
 *
 * @param results - the defense results.
 * @returns one row per result, same order.
 * @example
 * ```ts
 * const rows = summarize(report.results);
 * ```
 */
export function summarize(results: readonly DefenseResult[]): SummaryRow[] {
  const rows = results.map((r) => {
    const n = r.images.length;
    const clean = r.images.filter((i) => i.clean === i.label).length;
    const robust = r.images.filter((i) => i.adversarial === i.label).length;
    const seconds = r.batches.reduce((s, b) => s + b.seconds.clean, 0);
    const attackSeconds = r.batches.reduce((s, b) => s + b.seconds.attack, 0);
    return {
      label: r.label, base: r.base, images: n,
      cleanAccuracy: n === 0 ? 0 : clean / n, robustAccuracy: n === 0 ? 0 : robust / n,
      deltaClean: null as number | null, deltaRobust: null as number | null,
      secondsPerImage: n === 0 ? 0 : seconds / n, attackSecondsPerImage: n === 0 ? 0 : attackSeconds / n,
    };
  });
  for (const row of rows) {
    const base = row.base === null ? undefined : rows.find((o) => o.label === row.base);
    if (base !== undefined && base !== row) {
      row.deltaClean = row.cleanAccuracy - base.cleanAccuracy;
      row.deltaRobust = row.robustAccuracy - base.robustAccuracy;
    }
  }
  return rows;
}
