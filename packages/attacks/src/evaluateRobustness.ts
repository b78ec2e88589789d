import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertLabels, assertNorm, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import type { AttackSpec, AttackSummary, RobustnessProtocol, RobustnessReport, SampleRecord } from './robustnessReport';

/** Progress of {@link evaluateRobustness}: `done` of `total` images attacked by `attack` so far. */
export interface RobustnessProgress {
  /** Name of the attack running. */
  readonly attack: string;
  /** Images attacked so far by this attack. */
  readonly done: number;
  /** Images this attack runs on (those still correct). */
  readonly total: number;
}

/** Options of {@link evaluateRobustness}. */
export interface EvaluateRobustnessOptions {
  /** Images attacked per call; default `128`. */
  readonly batchSize?: number;
  /** Called after every batch; default none. */
  readonly onProgress?: (progress: RobustnessProgress) => void;
}

/** Defaults of {@link evaluateRobustness}: `batchSize = 128`, no progress callback. */
export const EVALUATE_ROBUSTNESS_DEFAULTS = Object.freeze({ batchSize: 128, onProgress: undefined } as const);

function jsonOptions(options: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(options).map(([k, v]) => [k, v instanceof tf.Tensor ? { dtype: v.dtype, shape: v.shape } : v]),
  );
}

function predict(model: Classifier, x: Images): number[] {
  return tf.tidy(() => Array.from(tf.argMax(model(x), 1).dataSync()));
}

/**
 * Robust accuracy as the per-sample worst case over a list of attacks (the AutoAttack protocol):
 *
 * 1. Predict every clean image; wrong ones are never robust.
 * 2. For each attack in order, attack (in batches) only the images still correct; check each adversarial
 *    image lies in the protocol's eps-ball and [0,1]; an image that becomes wrong is recorded as broken
 *    by that attack and not attacked again.
 * 3. Report clean and robust accuracy, per-attack summaries, per-sample records and the protocol
 *    (attack names and options, norm, eps, steps, EOT, restarts, seeds, number of images, backend).
 *
 * @param model - the classifier (or whole defense) under evaluation, `[N,H,W,C]` → logits `[N,K]`.
 * @param data - `x`: images `[N,H,W,C]` in [0,1]; `y`: labels `[N]` int32.
 * @param attacks - the attacks, run in order; names must be unique.
 * @param protocol - the threat model ({@link RobustnessProtocol}), checked and stored with the result.
 * @param options - `batchSize` (default `128`) and `onProgress` (default none).
 * @returns a {@link RobustnessReport}; it holds no tensors.
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`, an empty or duplicate-named attack list, an invalid
 *   protocol, an unknown option, or an attack whose output leaves the protocol's eps-ball or [0,1].
 * @example
 * ```ts
 * const report = await evaluateRobustness(model, { x, y }, [
 *   { name: 'apgd-ce', attack: apgd, options: { eps: 8 / 255 } },
 *   { name: 'apgd-t', attack: apgdT, options: { eps: 8 / 255 } },
 * ], { norm: 'linf', eps: 8 / 255 });
 * console.log(report.cleanAccuracy, report.robustAccuracy);
 * ```
 */
export async function evaluateRobustness(
  model: Classifier,
  data: { readonly x: Images; readonly y: Labels },
  attacks: readonly AttackSpec[],
  protocol: RobustnessProtocol,
  options?: EvaluateRobustnessOptions,
): Promise<RobustnessReport> {
  const fn = 'evaluateRobustness';
  const cfg = resolveOptions<{ batchSize: number; onProgress: ((p: RobustnessProgress) => void) | undefined }>(fn, EVALUATE_ROBUSTNESS_DEFAULTS, options);
  assertNumber(cfg.batchSize, 'batchSize', fn, { integer: true, min: 1 });
  assert(cfg.onProgress === undefined || typeof cfg.onProgress === 'function', 'INVALID_ARGUMENT', () =>
    `Option 'onProgress' passed to '${fn}' must be a function, got ${describeValue(cfg.onProgress)}.`);
  assert(typeof model === 'function', 'INVALID_ARGUMENT', () => `Argument 'model' passed to '${fn}' must be a Classifier function, got ${describeValue(model)}.`);
  assert(typeof data === 'object' && data !== null, 'INVALID_ARGUMENT', () => `Argument 'data' passed to '${fn}' must be { x, y }, got ${describeValue(data)}.`);
  const { x, y } = data;
  assertImages(x, 'data.x', fn);
  const n = x.shape[0];
  assertLabels(y, 'data.y', fn, { batch: n });
  const numClasses = tf.tidy(() => model(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1])).shape[1]);
  assertLabels(y, 'data.y', fn, { batch: n, numClasses });
  assert(Array.isArray(attacks) && attacks.length > 0, 'INVALID_ARGUMENT', () => `Argument 'attacks' passed to '${fn}' must be a non-empty array of { name, attack, options }.`);
  const names = attacks.map((a) => a.name);
  assert(new Set(names).size === names.length, 'INVALID_ARGUMENT', () => `Argument 'attacks' passed to '${fn}' must have unique names, got ${JSON.stringify(names)}.`);
  attacks.forEach((a, i) =>
    assert(typeof a.attack === 'function', 'INVALID_ARGUMENT', () => `Argument 'attacks[${i}].attack' passed to '${fn}' must be an attack function, got ${describeValue(a.attack)}.`));
  assertNorm(protocol.norm, fn);
  assertNumber(protocol.eps, 'protocol.eps', fn, { min: 0 });

  const labels = Array.from(y.dataSync());
  const clean: number[] = [];
  for (let s = 0; s < n; s += cfg.batchSize) {
    const xb = tf.slice(x, [s, 0, 0, 0], [Math.min(cfg.batchSize, n - s), -1, -1, -1]);
    clean.push(...predict(model, xb));
    xb.dispose();
  }
  const correct = clean.map((p, i) => p === labels[i]);
  const robust = correct.slice();
  const broken: Array<{ by: string; pred: number } | undefined> = new Array(n).fill(undefined);
  const summaries: AttackSummary[] = [];
  for (const spec of attacks) {
    const open = robust.map((r, i) => (r ? i : -1)).filter((i) => i >= 0);
    let brokenHere = 0;
    for (let s = 0; s < open.length; s += cfg.batchSize) {
      const idx = open.slice(s, s + cfg.batchSize);
      const idxT = tf.tensor1d(idx, 'int32');
      const xb = tf.gather(x, idxT) as Images;
      const yb = tf.gather(y, idxT) as Labels;
      const run = spec.attack as unknown as (m: Classifier, x: Images, y: Labels, o?: object) => Images;
      const xAdv = run(model, xb, yb, spec.options);
      const [dist, lo, hi] = tf.tidy(() => {
        const d = tf.reshape(tf.sub(xAdv, xb), [idx.length, -1]);
        const per = protocol.norm === 'linf' ? tf.max(tf.abs(d), 1) : tf.sqrt(tf.sum(tf.square(d), 1));
        return [tf.max(per), tf.min(xAdv), tf.max(xAdv)].map((t) => t.dataSync()[0] as number);
      }) as [number, number, number];
      const pred = predict(model, xAdv);
      tf.dispose([idxT, xb, yb, xAdv]);
      assert(dist <= protocol.eps + 1e-5 && lo >= 0 && hi <= 1, 'OUT_OF_RANGE', () =>
        `Attack '${spec.name}' passed to '${fn}' returned images outside the protocol's ${protocol.norm} ball of radius ${protocol.eps} ∩ [0,1] ` +
          `(distance ${dist}, range [${lo}, ${hi}]). Make its options match the protocol.`);
      idx.forEach((i, j) => {
        if (pred[j] !== labels[i]) {
          robust[i] = false;
          broken[i] = { by: spec.name, pred: pred[j] as number };
          brokenHere++;
        }
      });
      cfg.onProgress?.({ attack: spec.name, done: Math.min(s + cfg.batchSize, open.length), total: open.length });
      await tf.nextFrame();
    }
    if (open.length === 0) cfg.onProgress?.({ attack: spec.name, done: 0, total: 0 });
    summaries.push({ name: spec.name, attacked: open.length, broken: brokenHere, robustAccuracy: robust.filter(Boolean).length / n });
  }
  const samples: SampleRecord[] = labels.map((label, index) => {
    const b = broken[index];
    const base = { index, label, cleanPrediction: clean[index] as number, robust: robust[index] as boolean };
    return b === undefined ? base : { ...base, brokenBy: b.by, adversarialPrediction: b.pred };
  });
  return {
    cleanAccuracy: correct.filter(Boolean).length / n,
    robustAccuracy: robust.filter(Boolean).length / n,
    attacks: summaries,
    samples,
    protocol: {
      ...protocol,
      attacks: attacks.map((a) => ({ name: a.name, options: jsonOptions({ ...(a.options ?? {}) }) })),
      numImages: n,
      backend: tf.getBackend(),
    },
  };
}
