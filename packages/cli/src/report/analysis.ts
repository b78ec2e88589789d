/*
 * What a report says beyond clean and worst-case robust accuracy, read from its per-image and per-batch records:
 * each attack on its own, mixed batches (attacked images and bystanders apart), and batch detection (false- and
 * true-positive rates at the defense's threshold, AUROC and ROC of its statistic).
 */
import { wilson } from '@robustjs/attacks';
import type { Accuracy, AttackAccuracy, BatchRecord, DefenseResult, Detection, ImageRecord } from './types';

/** A proportion with its 95 % Wilson interval. */
const accuracy = (count: number, of: number): Accuracy => {
  const w = wilson(count, of);
  return { count, of, rate: w.rate, ci95: w.ci95 };
};

/**
 * AUROC of separating `positives` from `negatives` by value (higher = positive), ties counted half: the
 * Mann–Whitney U statistic over |negatives|·|positives|.
 *
 * @param negatives - values of the negatives (e.g. clean batches).
 * @param positives - values of the positives (e.g. adversarial batches).
 * @returns the AUROC in [0, 1]; NaN when either side is empty.
 * @example
 * ```ts
 * auroc([0.01, 0.02], [0.05, 0.01]); // 0.625
 * ```
 */
export function auroc(negatives: readonly number[], positives: readonly number[]): number {
  if (negatives.length === 0 || positives.length === 0) return Number.NaN;
  const all = [...negatives.map((v) => ({ v, pos: false })), ...positives.map((v) => ({ v, pos: true }))]
    .sort((p, q) => p.v - q.v);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const rank = (i + j + 1) / 2; // mean 1-based rank of the tie block
    for (let k = i; k < j; k++) if (all[k]!.pos) rankSum += rank;
    i = j;
  }
  const p = positives.length;
  return (rankSum - (p * (p + 1)) / 2) / (negatives.length * p);
}

/**
 * The ROC curve of a statistic (flag when value > threshold), at every threshold between observed values, from
 * (1, 1) to (0, 0).
 *
 * @param negatives - values of the negatives.
 * @param positives - values of the positives.
 * @returns points `[false-positive rate, true-positive rate]`, decreasing.
 * @example
 * ```ts
 * rocPoints([1], [2]); // [[1, 1], [0, 1], [0, 0]]
 * ```
 */
export function rocPoints(negatives: readonly number[], positives: readonly number[]): [number, number][] {
  const cuts = [...new Set([...negatives, ...positives])].sort((a, b) => a - b);
  const rate = (vs: readonly number[], t: number): number => (vs.length === 0 ? 0 : vs.filter((v) => v > t).length / vs.length);
  return [[1, 1], ...cuts.map((t): [number, number] => [rate(negatives, t), rate(positives, t)])];
}

/** Pairs every image with its batch record (batches hold consecutive images, in order). */
function imagesByBatch(r: DefenseResult): { batch: BatchRecord; images: ImageRecord[] }[] {
  const out: { batch: BatchRecord; images: ImageRecord[] }[] = [];
  let next = 0;
  for (const batch of r.batches) {
    out.push({ batch, images: r.images.slice(next, next + batch.size) });
    next += batch.size;
  }
  return out;
}

/** The name of candidate `c` of attack `name` (its declared name, else its number). */
const candidateName = (r: DefenseResult, name: string, c: number): string =>
  r.attacks.find((a) => a.name === name)?.candidates?.[c] ?? String(c);

/** One attack (or named candidate) on its own, per image: right on the clean image and on its predictions. */
export interface AttackCorrectness {
  /** The attack's name. */
  readonly attack: string;
  /** The candidate's name, or null for the attack's worst case over its candidates. */
  readonly candidate: string | null;
  /** Per image of `r.images`, in that order: robust to this attack (candidate). */
  readonly right: readonly boolean[];
}

/**
 * Each attack on its own, and each named candidate of an attack with several, per image: robust = right on the
 * clean image and on that attack's (candidate's) predictions, over every restart. Needs the images'
 * `predictions`.
 *
 * @param r - one defense's results.
 * @returns one entry per attack (candidate null) and per named candidate; empty without predictions.
 * @example
 * ```ts
 * attackCorrectness(report.results[0])[0].right; // [true, false, …] per image
 * ```
 */
export function attackCorrectness(r: DefenseResult): AttackCorrectness[] {
  if (r.images.length === 0 || r.images.some((i) => i.predictions === undefined)) return [];
  const keys: { attack: string; candidate: string | null }[] = [];
  for (const a of r.attacks) {
    if (keys.some((k) => k.attack === a.name && k.candidate === null)) continue;
    keys.push({ attack: a.name, candidate: null });
    for (const c of a.candidates !== undefined && a.candidates.length > 1 ? a.candidates : []) {
      keys.push({ attack: a.name, candidate: c });
    }
  }
  const right = keys.map(() => [] as boolean[]);
  for (const { batch, images } of imagesByBatch(r)) {
    const entries = batch.info.adversarial;
    const names = entries.map((e) => candidateName(r, e.attack, e.candidate));
    for (const image of images) {
      keys.forEach((key, k) => {
        const ok = image.clean === image.label && entries.every((e, i) =>
          e.attack !== key.attack || (key.candidate !== null && names[i] !== key.candidate)
            || image.predictions?.[i] === image.label);
        right[k]!.push(ok);
      });
    }
  }
  return keys.map((key, k) => ({ ...key, right: right[k]! }));
}

/**
 * Each attack on its own, and each named candidate of an attack with several: robust = right on the clean image
 * and on that attack's (candidate's) predictions, over every restart. Needs the images' `predictions`.
 *
 * @param r - one defense's results.
 * @returns one entry per attack (candidate null) and per named candidate; empty without predictions.
 * @example
 * ```ts
 * attackAccuracies(report.results[0]).map((a) => a.robust.rate);
 * ```
 */
export function attackAccuracies(r: DefenseResult): AttackAccuracy[] {
  return attackCorrectness(r).map(attackAccuracy);
}

/** An {@link AttackCorrectness}'s robust accuracy with its 95 % Wilson interval (no Δ). */
export const attackAccuracy = ({ attack, candidate, right }: AttackCorrectness): AttackAccuracy =>
  ({ attack, candidate, robust: accuracy(right.filter(Boolean).length, right.length) });

/**
 * Mixed batches: robust accuracy on the attacked images and on the clean bystanders apart, or undefined when no
 * image is a bystander.
 *
 * @param r - one defense's results.
 * @returns the two accuracies, or undefined.
 * @example
 * ```ts
 * const mixed = mixedAccuracy(report.results[0]); // { attacked, bystanders }
 * ```
 */
export function mixedAccuracy(r: DefenseResult): { attacked: Accuracy; bystanders: Accuracy } | undefined {
  if (!r.images.some((i) => i.attacked === false)) return undefined;
  const robust = (i: ImageRecord): boolean => i.clean === i.label && i.adversarial === i.label;
  const side = (attacked: boolean): Accuracy => {
    const images = r.images.filter((i) => (i.attacked !== false) === attacked);
    return accuracy(images.filter(robust).length, images.length);
  };
  return { attacked: side(true), bystanders: side(false) };
}

/**
 * Batch detection, for a defense whose per-batch info has a numeric `statistic` and a boolean `flagged` (DAD's
 * routing mode): the clean batches flagged (false positives at the threshold), and per attack and candidate the
 * adversarial batches flagged (true positives), the AUROC and ROC of the statistic against the clean batches.
 *
 * @param r - one defense's results.
 * @returns the detection figures, or undefined for a defense without them.
 * @example
 * ```ts
 * const d = detection(report.results[1]); // d.falsePositives.rate, d.attacks[0].truePositives.rate
 * ```
 */
export function detection(r: DefenseResult): Detection | undefined {
  const has = (info: Record<string, unknown>): boolean => typeof info.statistic === 'number' && typeof info.flagged === 'boolean';
  if (r.batches.length === 0 || !r.batches.every((b) => has(b.info.clean))) return undefined;
  const clean = r.batches.map((b) => b.info.clean.statistic as number);
  const thresholds = [...new Set(r.batches.map((b) => b.info.clean.threshold).filter((t): t is number => typeof t === 'number'))];
  const groups = new Map<string, { attack: string; candidate: string; values: number[]; flagged: number }>();
  for (const b of r.batches) {
    for (const e of b.info.adversarial) {
      if (!has(e.info)) continue;
      const candidate = candidateName(r, e.attack, e.candidate);
      const key = `${e.attack}\u0000${candidate}`;
      const g = groups.get(key) ?? { attack: e.attack, candidate, values: [], flagged: 0 };
      g.values.push(e.info.statistic as number);
      if (e.info.flagged === true) g.flagged += 1;
      groups.set(key, g);
    }
  }
  return {
    falsePositives: accuracy(r.batches.filter((b) => b.info.clean.flagged === true).length, r.batches.length),
    attacks: [...groups.values()].map((g) => ({
      attack: g.attack, candidate: g.candidate, truePositives: accuracy(g.flagged, g.values.length),
      auroc: auroc(clean, g.values), roc: rocPoints(clean, g.values),
    })),
    thresholds,
  };
}
