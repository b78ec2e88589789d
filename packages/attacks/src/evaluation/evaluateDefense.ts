/*
 * The one evaluator: any Defense × a list of EvaluationAttacks × a threat model, per-sample worst case, with its
 * protocol, 95 % intervals, seeds, shards (ranges of batches) and per-batch checkpoints.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertDefense, assertNorm, assertNumber, describeValue, resolveOptions, seedStream } from '@robustjs/core';
import type { Defense, DefenseDescription, DefenseInfo, DefenseOutput, Images, JsonValue, Labels } from '@robustjs/core';
import { checkCandidate } from './checkCandidate';
import { wilson, type Proportion } from './intervals';
import type { BatchInfo, EvaluationAttack, ThreatModel } from './types';

/** The images of an evaluation: a count and a way to read a range (the evaluator disposes what it reads). */
export interface EvaluationData {
  /** Number of images. */
  readonly size: number;
  /**
   * Images `[to−from,H,W,C]` in [0,1] and labels `[to−from]` int32 of images `[from, to)`.
   * @param from - first image.
   * @param to - one past the last.
   */
  read(from: number, to: number): { readonly x: Images; readonly y: Labels };
}

/** What happened to one image. */
export interface SampleOutcome {
  /** Position among the evaluation images. */
  readonly index: number;
  /** True label. */
  readonly label: number;
  /** Prediction on the clean image. */
  readonly clean: number;
  /** Prediction on the first adversarial candidate that fools the defense, else on the last one. */
  readonly adversarial: number;
  /**
   * Correct on the clean image and on every candidate of every attack and restart: the per-sample worst case over
   * the ε-ball, whose centre (the clean image) is a point of it too.
   */
  readonly robust: boolean;
  /** The candidate that fooled it first, or null when no candidate did (the clean image may still be wrong). */
  readonly brokenBy: { readonly attack: string; readonly restart: number; readonly candidate: number } | null;
  /**
   * The prediction on every candidate, in the order of the batch's `info.adversarial` (restart, attack,
   * candidate): each attack's accuracy on its own is read from these.
   */
  readonly predictions: readonly number[];
  /**
   * Whether some attack controlled the image (false only for a bystander of every attack's mixed batches:
   * {@link EvaluationAttack.controlled}).
   */
  readonly attacked: boolean;
}

/** What happened to one batch (also what a checkpoint stores). */
export interface BatchResult {
  /** Batch number; images `[batch·batchSize, …)`. */
  readonly batch: number;
  /** Images in the batch. */
  readonly size: number;
  /** Per-image outcomes. */
  readonly samples: readonly SampleOutcome[];
  /** Wall-clock seconds: classifying the clean batch, attacking, classifying the candidates. */
  readonly seconds: { readonly clean: number; readonly attack: number; readonly adversarial: number };
  /** The defense's info records on the clean batch and on every candidate. */
  readonly info: BatchInfo;
}

/** Where per-batch results are kept so that an interrupted evaluation resumes (e.g. files, a queue's store). */
export interface EvaluationCheckpoint {
  /** The stored result of `batch`, or undefined. It must come from the same protocol (the caller's key). */
  read(batch: number): BatchResult | undefined | Promise<BatchResult | undefined>;
  /** Stores a finished batch. */
  write(result: BatchResult): void | Promise<void>;
}

/** Progress of {@link evaluateDefense}. */
export interface EvaluationProgress {
  /** Images attacked so far in this call (all restarts), of `total`. */
  readonly done: number;
  /** Images to attack in this call (all restarts). */
  readonly total: number;
  /** The batch running. */
  readonly batch: number;
}

/** Images of a batch's example pictures (valid only during the callback: the evaluator disposes them). */
export interface ExampleImages {
  /** First image index of the slice. */
  readonly start: number;
  /** Clean images `[E,H,W,C]`. */
  readonly x: Images;
  /** The first candidate of the first attack and restart `[E,H,W,C]`. */
  readonly adversarial: Images;
  /** What the classifier saw for the clean images `[E,H,W,C]`. */
  readonly defendedClean: Images;
  /** What the classifier saw for the adversarial images `[E,H,W,C]`. */
  readonly defendedAdversarial: Images;
}

/** Options of {@link evaluateDefense}. */
export interface EvaluateDefenseOptions {
  /** The attacks, run in order on every batch (at least one). */
  readonly attacks: readonly EvaluationAttack[];
  /** The threat model; every candidate is checked against it. */
  readonly threat: ThreatModel;
  /** Restarts of every attack (each with its own seed); default 1. */
  readonly restarts?: number;
  /** Images per batch, the unit of seeding, checkpoints, shards and batch routing; default 64. */
  readonly batchSize?: number;
  /** Master seed; default 0. */
  readonly seed?: number;
  /** The batches to run, `[from, to)` (a shard); default all. */
  readonly batches?: readonly [number, number];
  /** Per-batch checkpoints; default none. */
  readonly checkpoint?: EvaluationCheckpoint;
  /** Called after every attacked chunk; default none. */
  readonly onProgress?: (progress: EvaluationProgress) => void;
  /** How many of the first images get example pictures through `onExamples`; default 0. */
  readonly examples?: number;
  /** Receives example pictures (tensors valid during the call only). */
  readonly onExamples?: (images: ExampleImages) => void;
}

/** Defaults of {@link evaluateDefense}: 1 restart, batches of 64, seed 0, all batches, no checkpoint, no examples. */
export const EVALUATE_DEFENSE_DEFAULTS = Object.freeze({
  attacks: undefined as unknown as readonly EvaluationAttack[],
  threat: undefined as unknown as ThreatModel,
  restarts: 1,
  batchSize: 64,
  seed: 0,
  batches: undefined as readonly [number, number] | undefined,
  checkpoint: undefined as EvaluationCheckpoint | undefined,
  onProgress: undefined as EvaluateDefenseOptions['onProgress'],
  examples: 0,
  onExamples: undefined as EvaluateDefenseOptions['onExamples'],
});

/** The protocol of an evaluation: every knob that changes a number, reported with them. */
export interface EvaluationProtocol {
  /** The threat model. */
  readonly threat: ThreatModel;
  /** Attacks with their settings and how each attacks this defense. */
  readonly attacks: readonly {
    readonly name: string;
    readonly settings: JsonValue;
    readonly description: string;
    /** Names of the attack's candidates, when it names them. */
    readonly candidates?: readonly string[];
  }[];
  /** Restarts per attack. */
  readonly restarts: number;
  /** Images per batch. */
  readonly batchSize: number;
  /** Master seed. */
  readonly seed: number;
  /** Images in the data set. */
  readonly images: number;
  /** The tfjs backend. */
  readonly backend: string;
}

/** What {@link evaluateDefense} returns (no tensors). */
export interface DefenseEvaluation {
  /** The defense as JSON. */
  readonly defense: DefenseDescription;
  /** The protocol. */
  readonly protocol: EvaluationProtocol;
  /** The batches run, `[from, to)`. */
  readonly batches: readonly [number, number];
  /** Per-batch results, in order (their samples together are the per-image records). */
  readonly results: readonly BatchResult[];
  /** Clean accuracy with its 95 % Wilson interval. */
  readonly clean: Proportion;
  /** Robust accuracy (per-sample worst case over the clean image, attacks, restarts and candidates) with its interval. */
  readonly robust: Proportion;
}

/** The batches of `batches` batches that shard `index` of `count` covers: `[⌊i·B/n⌋, ⌊(i+1)·B/n⌋)`. */
export function shardBatches(batches: number, index: number, count: number): [number, number] {
  assertNumber(count, 'count', 'shardBatches', { integer: true, min: 1 });
  assertNumber(index, 'index', 'shardBatches', { integer: true, min: 0, max: count - 1 });
  return [Math.floor((index * batches) / count), Math.floor(((index + 1) * batches) / count)];
}

const argmax = (logits: tf.Tensor2D): Int32Array => {
  const t = tf.argMax(logits, 1);
  const out = Int32Array.from(t.dataSync());
  t.dispose();
  return out;
};

/** The images of a batch of `size` that attack `a` controls (all without `controlled`), checked. */
function controlledOf(a: EvaluationAttack, size: number, where: string, fn: string): number {
  if (a.controlled === undefined) return size;
  const k = a.controlled(size);
  assert(Number.isInteger(k) && k >= 1 && k <= size, 'INVALID_ARGUMENT', () =>
    `Option '${where}' passed to '${fn}' (${a.name}) controls ${describeValue(k)} of a batch of ${size} images; ` +
      'it must control an integer in [1, batch size]. Raise the fraction the attacker controls or the batch size.');
  return k;
}

const since = (t0: number): number => (performance.now() - t0) / 1000;

const disposeOutput = (out: DefenseOutput): void => {
  out.logits.dispose();
  out.images?.dispose();
};

function checkOptions(defense: Defense, data: EvaluationData, o: typeof EVALUATE_DEFENSE_DEFAULTS, fn: string): [number, number] {
  assertDefense(defense, 'defense', fn);
  assert(data !== null && typeof data === 'object' && typeof data.read === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'data' passed to '${fn}' must be { size, read(from, to) } (or use evaluationData(x, y)), got ${describeValue(data)}.`);
  assertNumber(data.size, 'data.size', fn, { integer: true, min: 1 });
  assert(Array.isArray(o.attacks) && o.attacks.length > 0, 'INVALID_ARGUMENT', () =>
    `Option 'attacks' passed to '${fn}' must be a non-empty array of EvaluationAttacks (e.g. [pgdEotAttack()]), got ${describeValue(o.attacks)}.`);
  assert(o.threat !== null && typeof o.threat === 'object', 'INVALID_ARGUMENT', () =>
    `Option 'threat' passed to '${fn}' must be { norm, eps }, got ${describeValue(o.threat)}.`);
  assertNorm(o.threat.norm, fn);
  assertNumber(o.threat.eps, 'threat.eps', fn, { min: 0 });
  o.attacks.forEach((a, i) => {
    assert(a !== null && typeof a === 'object' && typeof a.run === 'function' && typeof a.check === 'function', 'INVALID_ARGUMENT', () =>
      `Option 'attacks[${i}]' passed to '${fn}' must be an EvaluationAttack, got ${describeValue(a)}.`);
    a.check(defense, `attacks[${i}]`, o.threat);
    if (a.controlled !== undefined) controlledOf(a, o.batchSize, `attacks[${i}]`, fn);
  });
  assertNumber(o.restarts, 'restarts', fn, { integer: true, min: 1 });
  assertNumber(o.batchSize, 'batchSize', fn, { integer: true, min: defense.surface.minBatchSize });
  assertNumber(o.seed, 'seed', fn, { integer: true });
  assertNumber(o.examples, 'examples', fn, { integer: true, min: 0 });
  for (const name of ['onProgress', 'onExamples'] as const) {
    assert(o[name] === undefined || typeof o[name] === 'function', 'INVALID_ARGUMENT', () =>
      `Option '${name}' passed to '${fn}' must be a function, got ${describeValue(o[name])}.`);
  }
  assert(o.checkpoint === undefined || (typeof o.checkpoint?.read === 'function' && typeof o.checkpoint.write === 'function'),
    'INVALID_ARGUMENT', () => `Option 'checkpoint' passed to '${fn}' must be { read(batch), write(result) }, got ${describeValue(o.checkpoint)}.`);
  const total = Math.ceil(data.size / o.batchSize);
  const range = o.batches ?? [0, total];
  assert(Array.isArray(range) && range.length === 2 && Number.isInteger(range[0]) && Number.isInteger(range[1]) &&
    range[0] >= 0 && range[0] <= range[1] && range[1] <= total, 'INVALID_ARGUMENT', () =>
    `Option 'batches' passed to '${fn}' must be [from, to) with 0 ≤ from ≤ to ≤ ${total}, got ${describeValue(o.batches)}.`);
  if (defense.surface.minBatchSize > 1) {
    assert(data.size % o.batchSize === 0, 'SHAPE_MISMATCH', () =>
      `'${fn}': defense '${defense.label}' classifies whole batches of at least ${defense.surface.minBatchSize} images, ` +
        `so the number of images (${data.size}) must be a multiple of 'batchSize' (${o.batchSize}).`);
  }
  return [range[0], range[1]];
}

/**
 * Evaluates a {@link Defense} against a list of attacks under one threat model, batch by batch:
 *
 * 1. Batch b (images `[b·B, (b+1)·B)`) gets its seeds from `seedStream(seed).fork('batch b')`: the classify seed,
 *    the adversarial-classify seed, then one attack seed per restart (attack k > 0 derives its own from it).
 *    The same seeds for every defense (common random numbers) and for every shard that runs the batch.
 * 2. Classify the clean batch through the defense.
 * 3. For every restart and attack, attack the batch through the defense's surface; check every candidate against
 *    the threat model and [0,1]; classify it through the defense; an image is robust only if every candidate is
 *    classified correctly (per-sample worst case).
 * 4. Store the batch (checkpoint) and report clean and robust accuracy with 95 % Wilson intervals, the per-image
 *    and per-batch records and the protocol.
 *
 * @param defense - the defense.
 * @param data - the images ({@link evaluationData} for tensors).
 * @param options - {@link EvaluateDefenseOptions}; defaults {@link EVALUATE_DEFENSE_DEFAULTS}.
 * @returns the {@link DefenseEvaluation} of the batches run.
 * @throws {@link @robustjs/core!index.RobustError} before any work for a malformed defense, data or attack, an
 *   attack that does not apply to the defense (e.g. a gradient attack on a surface without gradient), a bad threat
 *   model, batch size, seed, restarts or batch range, unknown options; during the run when a candidate leaves the
 *   threat model.
 * @example
 * ```ts
 * const result = await evaluateDefense(undefended(classifier), evaluationData(x, y), {
 *   attacks: [pgdEotAttack({ steps: 20 })],
 *   threat: { norm: 'linf', eps: 0.1 },
 * });
 * console.log(result.robust.rate, result.robust.ci95);
 * ```
 */
export async function evaluateDefense(defense: Defense, data: EvaluationData, options: EvaluateDefenseOptions): Promise<DefenseEvaluation> {
  const fn = 'evaluateDefense';
  const o = resolveOptions(fn, EVALUATE_DEFENSE_DEFAULTS, options);
  const [from, to] = checkOptions(defense, data, o, fn);
  const protocol: EvaluationProtocol = {
    threat: { norm: o.threat.norm, eps: o.threat.eps },
    attacks: o.attacks.map((a) => ({
      name: a.name, settings: a.settings, description: a.describe(defense), ...(a.candidates === undefined ? {} : { candidates: [...a.candidates] }),
    })),
    restarts: o.restarts, batchSize: o.batchSize, seed: o.seed, images: data.size, backend: tf.getBackend(),
  };
  const total = Math.max(0, Math.min(data.size, to * o.batchSize) - from * o.batchSize) * o.restarts * o.attacks.length;
  let done = 0;
  const results: BatchResult[] = [];
  const batchSeeds = seedStream(o.seed);
  for (let b = from; b < to; b++) {
    const start = b * o.batchSize;
    const size = Math.min(o.batchSize, data.size - start);
    const stored = await o.checkpoint?.read(b);
    if (stored !== undefined) {
      assert(stored.batch === b && stored.size === size && stored.samples.length === size, 'INVALID_ARGUMENT', () =>
        `'${fn}': the checkpoint returned a record for batch ${stored.batch} of ${stored.size} images when asked for batch ${b} of ${size}.`);
      results.push(stored);
      done += size * o.restarts * o.attacks.length;
      continue;
    }
    const seeds = batchSeeds.fork(`batch ${b}`);
    const classifySeed = seeds.nextSeed();
    const adversarialSeed = seeds.nextSeed();
    const restartSeeds = Array.from({ length: o.restarts }, () => seeds.nextSeed());
    const { x, y } = data.read(start, start + size);
    let result: BatchResult;
    try {
      result = runBatch(defense, o, { b, start, size, x, y, classifySeed, adversarialSeed, restartSeeds }, (n) => {
        o.onProgress?.({ done: done + n, total, batch: b });
      });
    } finally {
      tf.dispose([x, y]);
    }
    done += size * o.restarts * o.attacks.length;
    await o.checkpoint?.write(result);
    results.push(result);
    await tf.nextFrame();
  }
  const samples = results.flatMap((r) => r.samples);
  return {
    defense: defense.describe(),
    protocol,
    batches: [from, to],
    results,
    clean: wilson(samples.filter((s) => s.clean === s.label).length, samples.length),
    robust: wilson(samples.filter((s) => s.robust).length, samples.length),
  };
}

interface BatchJob {
  readonly b: number;
  readonly start: number;
  readonly size: number;
  readonly x: Images;
  readonly y: Labels;
  readonly classifySeed: number;
  readonly adversarialSeed: number;
  readonly restartSeeds: readonly number[];
}

function runBatch(defense: Defense, o: typeof EVALUATE_DEFENSE_DEFAULTS, job: BatchJob, progress: (n: number) => void): BatchResult {
  const { b, start, size, x, y } = job;
  const labels = Array.from(y.dataSync());
  const exampleCount = Math.max(0, Math.min(o.examples - start, size));
  const wantExamples = exampleCount > 0 && o.onExamples !== undefined;
  const t0 = performance.now();
  const clean = defense.classify(x, { seed: job.classifySeed, keepImages: wantExamples });
  const adversarial = Int32Array.from(labels);
  const brokenBy: (SampleOutcome['brokenBy'])[] = new Array(size).fill(null);
  const predictions: number[][] = Array.from({ length: size }, () => []);
  const controls: boolean[] = new Array(size).fill(false);
  const infos: BatchInfo['adversarial'][number][] = [];
  let cleanPredictions: Int32Array;
  let cleanSeconds = 0;
  let attackSeconds = 0;
  let adversarialSeconds = 0;
  let attacked = 0;
  try {
    cleanPredictions = argmax(clean.logits);
    cleanSeconds = since(t0);
    for (const [restart, restartSeed] of job.restartSeeds.entries()) {
      for (const [k, attack] of o.attacks.entries()) {
        const seed = k === 0 ? restartSeed : seedStream(restartSeed).fork(`attack ${k}`).nextSeed();
        const controlled = controlledOf(attack, size, `attacks[${k}]`, 'evaluateDefense');
        for (let j = 0; j < controlled; j++) controls[j] = true;
        const ta = performance.now();
        const candidates = attack.run(defense, x, y, { threat: o.threat, seed, onProgress: (n) => progress(attacked + n) });
        attackSeconds += since(ta);
        attacked += size;
        try {
          const what = (c: number): string => `${attack.name} (attacks[${k}], restart ${restart}, candidate ${c})`;
          assert(Array.isArray(candidates) && candidates.length >= 1, 'OUT_OF_RANGE', () =>
            `'evaluateDefense': attack ${attack.name} (attacks[${k}]) returned no candidate; an attack must return at least one batch.`);
          for (const [c, xAdv] of candidates.entries()) {
            checkCandidate(xAdv, x, o.threat, what(c), controlled);
            const keep = wantExamples && restart === 0 && k === 0 && c === 0;
            const tc = performance.now();
            const out = defense.classify(xAdv, { seed: job.adversarialSeed, keepImages: keep });
            try {
              adversarialSeconds += since(tc);
              const predicted = argmax(out.logits);
              infos.push({ attack: attack.name, restart, candidate: c, info: out.info as DefenseInfo });
              predicted.forEach((p, j) => {
                predictions[j]?.push(p);
                if (brokenBy[j] !== null) return;
                adversarial[j] = p;
                if (p !== labels[j]) brokenBy[j] = { attack: attack.name, restart, candidate: c };
              });
              if (keep) emitExamples(o, start, exampleCount, x, xAdv, clean, out);
            } finally {
              disposeOutput(out);
            }
          }
        } finally {
          if (Array.isArray(candidates)) tf.dispose(candidates.filter((t): t is Images => t instanceof tf.Tensor));
        }
      }
    }
  } finally {
    disposeOutput(clean);
  }
  const samples: SampleOutcome[] = labels.map((label, j) => ({
    index: start + j, label, clean: cleanPredictions[j] as number, adversarial: adversarial[j] as number,
    robust: cleanPredictions[j] === label && adversarial[j] === label, brokenBy: brokenBy[j] ?? null,
    predictions: predictions[j] as number[], attacked: controls[j] as boolean,
  }));
  return {
    batch: b, size, samples, seconds: { clean: cleanSeconds, attack: attackSeconds, adversarial: adversarialSeconds },
    info: { clean: clean.info as DefenseInfo, adversarial: infos },
  };
}

function emitExamples(o: typeof EVALUATE_DEFENSE_DEFAULTS, start: number, count: number, x: Images, xAdv: Images,
  clean: DefenseOutput, adv: DefenseOutput): void {
  if (clean.images === undefined || adv.images === undefined) return;
  const head = (t: Images): Images => tf.slice(t, [0, 0, 0, 0], [count, -1, -1, -1]) as Images;
  const images = { x: head(x), adversarial: head(xAdv), defendedClean: head(clean.images), defendedAdversarial: head(adv.images) };
  try {
    o.onExamples?.({ start, ...images });
  } finally {
    tf.dispose(Object.values(images));
  }
}

/**
 * {@link EvaluationData} over tensors the caller owns (slices are read per batch).
 *
 * @param x - images `[N,H,W,C]` in [0,1].
 * @param y - labels `[N]` int32.
 * @returns the data.
 * @throws {@link @robustjs/core!index.RobustError} `SHAPE_MISMATCH` when x and y differ in N.
 * @example
 * ```ts
 * const data = evaluationData(x, y);
 * ```
 */
export function evaluationData(x: Images, y: Labels): EvaluationData {
  assert(x instanceof tf.Tensor && x.rank === 4 && y instanceof tf.Tensor && y.rank === 1 && x.shape[0] === y.shape[0],
    'SHAPE_MISMATCH', () => `Arguments 'x' [N,H,W,C] and 'y' [N] passed to 'evaluationData' must hold the same N images, ` +
      `got ${describeValue(x instanceof tf.Tensor ? x.shape : x)} and ${describeValue(y instanceof tf.Tensor ? y.shape : y)}.`);
  return {
    size: x.shape[0],
    read: (from, to) => ({
      x: tf.slice(x, [from, 0, 0, 0], [to - from, -1, -1, -1]) as Images,
      y: tf.slice(y, [from], [to - from]) as Labels,
    }),
  };
}
