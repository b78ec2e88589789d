import * as tf from '@tensorflow/tfjs';
import { assert, assertLabels, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Images, Labels } from '@robustjs/core';
import { dadAdaptiveAttack, type DadAdaptiveAttackOptions } from './dadAdaptiveAttack';
import type { DadDefense } from './dadDefense';

/** One attack of {@link evaluateDad}: a name and the options of {@link dadAdaptiveAttack}. */
export interface DadAttackSpec {
  /** Unique name for the report, e.g. `'pgd-eot-linf-detect'`. */
  readonly name: string;
  /** Options of {@link dadAdaptiveAttack} (the seed is offset per batch). */
  readonly options: DadAdaptiveAttackOptions;
}

/** Per-attack figures of {@link evaluateDad}. */
export interface DadAttackReport {
  /** The attack's name. */
  readonly name: string;
  /** Its options as given. */
  readonly options: DadAdaptiveAttackOptions;
  /** Accuracy of the defense on this attack's adversarial batches. */
  readonly accuracy: number;
  /** Fraction of this attack's adversarial batches the detector flagged. */
  readonly flaggedRate: number;
  /** Median seconds to attack one batch. */
  readonly secondsPerBatch: number;
}

/** What {@link evaluateDad} returns: numbers with their protocol; no tensors. */
export interface DadEvaluation {
  /** Images evaluated. */
  readonly images: number;
  /** Batch size (every batch is routed as a whole). */
  readonly batchSize: number;
  /** Accuracy of the defense on the clean batches. */
  readonly cleanAccuracy: number;
  /** Fraction of clean batches flagged. */
  readonly cleanFlaggedRate: number;
  /** Per-sample worst case over the attacks: correct on every attack's adversarial image (DAD: accuracy on adversarial batches). */
  readonly robustAccuracy: number;
  /** Correct on the clean image and on every attack (the AutoAttack convention). */
  readonly cleanAndRobustAccuracy: number;
  /** One report per attack, in order. */
  readonly attacks: readonly DadAttackReport[];
  /** The backend in use. */
  readonly backend: string;
}

/** Options of {@link evaluateDad}. */
export interface EvaluateDadOptions {
  /** Images per batch; default the defense's `minBatchSize`. */
  readonly batchSize?: number;
  /** Seed of the defense's noise when classifying; default 1. */
  readonly seed?: number;
  /** Called after every batch with the batches done and the total; default none. */
  readonly onBatch?: (done: number, total: number) => void;
}

const DEFAULTS = { batchSize: undefined as number | undefined, seed: 1, onBatch: undefined as EvaluateDadOptions['onBatch'] } as const;

const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length === 0 ? 0 : ((s[(s.length - 1) >> 1] as number) + (s[s.length >> 1] as number)) / 2;
};

/**
 * Clean and robust accuracy of a DAD defense under DAD's adaptive attacks, per batch (Zhang et al., ICML 2025, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169)): each batch is
 * classified clean, then attacked by every attack; an image counts as robust when the defense classifies every
 * attack's adversarial version correctly (the worse of the attacks, per sample). The last partial batch is dropped.
 *
 * @param defense - the {@link DadDefense}.
 * @param data - `x` `[N,H,W,C]` in [0,1], `y` `[N]` int32, N ≥ batchSize.
 * @param attacks - the attacks (e.g. `'detect'` and `'evade'` objectives); names unique; may be empty (clean only).
 * @param options - `batchSize` (defense's minBatchSize), `seed` (1), `onBatch`.
 * @returns a {@link DadEvaluation}.
 * @throws {@link @robustjs/core!index.RobustError} for bad data, duplicate names, bad options, and the attacks' errors.
 * @deprecated Since 0.2: every number comes from one evaluator. Use `evaluateDefense` of `@robustjs/attacks` with
 *   `defense.asDefense()` and `dadAdaptiveEvaluationAttack({ objectives })` (per-sample worst case, intervals, seeds per
 *   batch, shards, checkpoints), or `robustjs eval` with a protocol file. Removed in the next minor release.
 * @example
 * ```ts
 * const report = await evaluateDad(defense, { x, y }, [
 *   { name: 'detect', options: { objective: 'detect' } }, { name: 'evade', options: { objective: 'evade' } },
 * ]);
 * ```
 */
export async function evaluateDad(
  defense: DadDefense,
  data: { readonly x: Images; readonly y: Labels },
  attacks: readonly DadAttackSpec[],
  options?: EvaluateDadOptions,
): Promise<DadEvaluation> {
  const fn = 'evaluateDad';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  assert(typeof defense === 'function' && typeof defense.route === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'defense' passed to '${fn}' must be a DadDefense, got ${describeValue(defense)}.`);
  const batchSize = cfg.batchSize ?? defense.minBatchSize;
  assertNumber(batchSize, 'batchSize', fn, { integer: true, min: defense.minBatchSize });
  defense.check(data?.x, 'data.x', fn);
  const { x, y } = data;
  assertLabels(y, 'data.y', fn, { batch: x.shape[0] });
  assert(Array.isArray(attacks) && new Set(attacks.map((a) => a.name)).size === attacks.length, 'INVALID_ARGUMENT', () =>
    `Argument 'attacks' passed to '${fn}' must be an array of { name, options } with unique names, got ${describeValue(attacks)}.`);
  const batches = Math.floor(x.shape[0] / batchSize);
  const labels = Array.from(y.dataSync());
  const predict = (xb: Images, seed: number): number[] => tf.tidy(() => Array.from(tf.argMax(defense(xb, seed), 1).dataSync()));
  let clean = 0;
  let cleanFlagged = 0;
  let robust = 0;
  let cleanAndRobust = 0;
  const per = attacks.map(() => ({ correct: 0, flagged: 0, seconds: [] as number[] }));
  for (let b = 0; b < batches; b++) {
    const [xb, yb] = [tf.slice(x, b * batchSize, batchSize) as Images, tf.slice(y, b * batchSize, batchSize) as Labels];
    const truth = labels.slice(b * batchSize, (b + 1) * batchSize);
    const cleanOk = predict(xb, cfg.seed + b).map((p, i) => p === truth[i]);
    if (defense.route(xb).flagged) cleanFlagged++;
    const allOk = cleanOk.map(() => true);
    attacks.forEach((spec, a) => {
      const start = performance.now();
      const xAdv = dadAdaptiveAttack(defense, xb, yb, { ...spec.options, seed: (spec.options.seed ?? 0) + 1000 * b });
      (per[a] as { seconds: number[] }).seconds.push((performance.now() - start) / 1000);
      const ok = predict(xAdv, cfg.seed + b).map((p, i) => p === truth[i]);
      const rec = per[a] as { correct: number; flagged: number };
      if (defense.route(xAdv).flagged) rec.flagged++;
      rec.correct += ok.filter(Boolean).length;
      ok.forEach((o, i) => { if (!o) allOk[i] = false; });
      xAdv.dispose();
    });
    clean += cleanOk.filter(Boolean).length;
    robust += allOk.filter(Boolean).length;
    cleanAndRobust += allOk.filter((o, i) => o && cleanOk[i]).length;
    tf.dispose([xb, yb]);
    cfg.onBatch?.(b + 1, batches);
    await tf.nextFrame();
  }
  const images = batches * batchSize;
  return {
    images,
    batchSize,
    cleanAccuracy: clean / images,
    cleanFlaggedRate: cleanFlagged / batches,
    robustAccuracy: attacks.length === 0 ? Number.NaN : robust / images,
    cleanAndRobustAccuracy: attacks.length === 0 ? Number.NaN : cleanAndRobust / images,
    attacks: attacks.map((spec, a) => {
      const r = per[a] as { correct: number; flagged: number; seconds: number[] };
      return { name: spec.name, options: spec.options, accuracy: r.correct / images, flaggedRate: r.flagged / batches, secondsPerBatch: median(r.seconds) };
    }),
    backend: tf.getBackend(),
  };
}
