import { pairedDifference, wilson } from '@robustjs/attacks';
import { attackAccuracy, attackCorrectness, detection, mixedAccuracy } from './analysis';
import type { AttackAccuracy, DefenseResult, SummaryRow } from './types';

/** `{ [key]: value }` when value is defined and `keep(value)`, else `{}`. */
const optional = <K extends string, T>(key: K, value: T | undefined, keep: (v: T) => boolean): { [k in K]?: T } =>
  (value !== undefined && keep(value) ? { [key]: value } : {}) as { [k in K]?: T };

/**
 * The summary table of a set of defense results: clean and robust accuracy (right on the clean image and on every
 * adversarial candidate) from the per-image records with 95 % Wilson
 * intervals; Δ against the first row whose label is the base's, paired on the same images, with its 95 % interval;
 * seconds per image from the per-batch records; with the records that allow it, each attack on its own (`byAttack`,
 * when there are several attacks or named candidates; with its paired Δ against the base row under the same attack),
 * mixed batches (`mixed`) and batch detection (`detection`).
 *
 * @param results - the defense results.
 * @returns one row per result, same order.
 * @example
 * ```ts
 * const rows = summarize(report.results);
 * ```
 */
export function summarize(results: readonly DefenseResult[]): SummaryRow[] {
  // robust: right on the clean image and on every candidate (the clean image is the centre of the ε-ball)
  const right = (r: DefenseResult, key: 'clean' | 'adversarial'): boolean[] =>
    r.images.map((i) => i[key] === i.label && (key === 'clean' || i.clean === i.label));
  return results.map((r) => {
    const n = r.images.length;
    const clean = wilson(right(r, 'clean').filter(Boolean).length, n);
    const robust = wilson(right(r, 'adversarial').filter(Boolean).length, n);
    const seconds = r.batches.reduce((s, b) => s + b.seconds.clean, 0);
    const attackSeconds = r.batches.reduce((s, b) => s + b.seconds.attack, 0);
    const base = r.base === null ? undefined : results.find((o) => o.label === r.base);
    const paired = base !== undefined && base !== r && base.images.length === n &&
      base.images.every((b, i) => b.index === r.images[i]?.index);
    const dClean = paired ? pairedDifference(right(base, 'clean'), right(r, 'clean')) : null;
    const dRobust = paired ? pairedDifference(right(base, 'adversarial'), right(r, 'adversarial')) : null;
    const baseAttacks = paired ? attackCorrectness(base) : [];
    const byAttack = attackCorrectness(r).map((c): AttackAccuracy => {
      const same = baseAttacks.find((b) => b.attack === c.attack && b.candidate === c.candidate);
      if (same === undefined) return attackAccuracy(c);
      const d = pairedDifference(same.right, c.right);
      return { ...attackAccuracy(c), delta: { difference: d.difference, ci95: d.ci95 } };
    });
    return {
      label: r.label, base: r.base, images: n,
      cleanAccuracy: clean.rate, robustAccuracy: robust.rate, cleanCi95: clean.ci95, robustCi95: robust.ci95,
      deltaClean: dClean?.difference ?? null, deltaRobust: dRobust?.difference ?? null,
      deltaCleanCi95: dClean?.ci95 ?? null, deltaRobustCi95: dRobust?.ci95 ?? null,
      secondsPerImage: n === 0 ? 0 : seconds / n, attackSecondsPerImage: n === 0 ? 0 : attackSeconds / n,
      ...optional('byAttack', byAttack, (v) => v.length > 1 || (v[0]?.candidate ?? null) !== null),
      ...optional('mixed', mixedAccuracy(r), () => true),
      ...optional('detection', detection(r), () => true),
    };
  });
}
