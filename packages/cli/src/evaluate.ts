import * as tf from '@tensorflow/tfjs';
import { evaluateDefense, shardBatches, type BatchResult, type DefenseEvaluation, type EvaluationAttack, type EvaluationData, type ExampleImages } from '@robustjs/attacks';
import type { Defense, DefenseInfo, Images, JsonValue, Labels } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import type { CheckpointStore } from './checkpoint/types';
import type { RunContext } from './context';
import { CliError, MissingModelError } from './errors';
import { progressBar } from './progress';
import type { Protocol } from './protocol';
import { createAttacks } from './registry/attacks';
import { createDefense, validateDefenses } from './registry/defenses';
import { encodePng, pngDataUri } from './report/png';
import { summarize } from './report/summarize';
import type { BatchRecord, DefenseExample, DefenseResult, ImageInfo, ImageRecord, Report, ShardInfo, SkippedDefense } from './report/types';

/** Options of {@link evaluateProtocol}. */
export interface EvaluateOptions {
  /** Run only shard `index` of `count` (contiguous ranges of whole batches); default the whole protocol. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Skip (and list) defenses whose model files are absent instead of failing; default false (`demo` sets it). */
  readonly skipMissing?: boolean;
  /** Whether `@robustjs/native`'s kernels are registered, for the report; default false. */
  readonly native?: boolean;
  /** Per-batch checkpoints (e.g. {@link fileCheckpoints}): stored batches are read back, not recomputed; default none. */
  readonly checkpoints?: CheckpointStore;
  /** Called with the progress of every defense (e.g. a queue job's progress); default none. */
  readonly onProgress?: (progress: ProtocolProgress) => void;
}

/** Progress of {@link evaluateProtocol}: defense `defense` of `defenses` (those evaluated), `done` of `total` attacked images. */
export interface ProtocolProgress {
  /** The defense running, 0-based among the defenses evaluated (skipped ones excluded). */
  readonly defense: number;
  /** Number of defenses evaluated. */
  readonly defenses: number;
  /** Images attacked so far for this defense (all attacks and restarts; restored batches count as done). */
  readonly done: number;
  /** Images to attack for this defense. */
  readonly total: number;
}

/**
 * The batches shard `index` of `count` covers: `[⌊index·B/count⌋, ⌊(index+1)·B/count⌋)` of the B batches. Shards are
 * contiguous, disjoint and cover every batch; a shard may be empty when there are more shards than batches.
 *
 * @param batches - number of batches B.
 * @param index - the shard, 0-based.
 * @param count - number of shards.
 * @returns `[from, to]`.
 * @example
 * ```ts
 * shardRange(5, 1, 2); // [2, 5]
 * ```
 */
export function shardRange(batches: number, index: number, count: number): [number, number] {
  return shardBatches(batches, index, count);
}

const png = (x: tf.Tensor4D, j: number): string => {
  const [, h, w, c] = x.shape;
  const data = tf.tidy(() => tf.slice(x, [j, 0, 0, 0], [1, -1, -1, -1]).dataSync());
  return pngDataUri(encodePng(data, w, h, c === 3 ? 3 : 1, 3));
};

const seconds = (from: number): number => (performance.now() - from) / 1000;

/** Splits an info record into per-image entries (arrays with one entry per image) and batch-level entries. */
function splitInfo(info: DefenseInfo, size: number): { perImage: Record<string, readonly JsonValue[]>; batch: Record<string, JsonValue> } {
  const perImage: Record<string, readonly JsonValue[]> = {};
  const batch: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(info)) {
    if (Array.isArray(v) && v.length === size) perImage[k] = v;
    else batch[k] = v;
  }
  return { perImage, batch };
}

const pick = (perImage: Record<string, readonly JsonValue[]>, j: number): ImageInfo =>
  Object.fromEntries(Object.entries(perImage).map(([k, v]) => [k, v[j] as JsonValue]));

/** The report's records of one defense's evaluation (rows of the test split next to each image). */
function records(evaluation: DefenseEvaluation, evalRows: Int32Array): { images: ImageRecord[]; batches: BatchRecord[] } {
  const images: ImageRecord[] = [];
  const batches: BatchRecord[] = [];
  for (const r of evaluation.results) {
    const clean = splitInfo(r.info.clean, r.size);
    const first = r.info.adversarial[0];
    const adversarial = first === undefined ? { perImage: {}, batch: {} } : splitInfo(first.info, r.size);
    const hasInfo = Object.keys(clean.perImage).length > 0 || Object.keys(adversarial.perImage).length > 0;
    r.samples.forEach((s, j) => images.push({
      index: s.index, row: evalRows[s.index] as number, label: s.label, clean: s.clean, adversarial: s.adversarial, brokenBy: s.brokenBy,
      predictions: [...s.predictions], ...(s.attacked ? {} : { attacked: false as const }),
      ...(hasInfo ? { info: { clean: pick(clean.perImage, j), adversarial: pick(adversarial.perImage, j) } } : {}),
    }));
    batches.push({
      batch: r.batch, size: r.size, seconds: r.seconds,
      info: {
        clean: clean.batch,
        adversarial: r.info.adversarial.map((a) => ({ attack: a.attack, restart: a.restart, candidate: a.candidate, info: splitInfo(a.info, r.size).batch })),
      },
    });
  }
  return { images, batches };
}

/**
 * Evaluates every defense of a protocol on its images with `evaluateDefense` of `@robustjs/attacks`: the protocol's
 * attacks (or each defense's recommended ones) under its threat model, per-sample worst case, per-image and per-batch
 * records, example pictures. Every random draw is seeded from `protocol.seed` and the batch number (the same seeds for
 * every defense: common random numbers), so a batch gives the same numbers whichever shard runs it.
 *
 * @param protocol - the protocol.
 * @param context - the run context ({@link createRunContext}).
 * @param options - `shard`, `skipMissing`, `native`, `checkpoints`, `onProgress`.
 * @returns the report (partial when sharded); it holds no tensors.
 * @throws {@link CliError} for unknown defenses, attacks or options (before any work) and missing or corrupt model files.
 * @example
 * ```ts
 * const report = await evaluateProtocol(protocol, await createRunContext(protocol), { shard: { index: 0, count: 2 } });
 * ```
 */
export async function evaluateProtocol(protocol: Protocol, context: RunContext, options: EvaluateOptions = {}): Promise<Report> {
  validateDefenses(protocol.defenses);
  if (protocol.attacks !== null) createAttacks(protocol.attacks, protocol, 'attacks', context.classifier);
  protocol.defenses.forEach((spec, i) => {
    if (spec.attacks !== undefined) createAttacks(spec.attacks, protocol, `defenses[${i}].attacks`, context.classifier);
  });
  const started = performance.now();
  const totalBatches = Math.ceil(protocol.images / protocol.batchSize);
  const shard: ShardInfo | null = options.shard === undefined ? null
    : { ...options.shard, batches: shardRange(totalBatches, options.shard.index, options.shard.count) };
  const [from, to] = shard?.batches ?? [0, totalBatches];
  const shardImages = Math.max(0, Math.min(protocol.images, to * protocol.batchSize) - from * protocol.batchSize);
  const examples: Report['examples'][number][] = [];
  for (let i = from * protocol.batchSize; i < Math.min(protocol.examples, to * protocol.batchSize, protocol.images); i++) {
    const row = context.evalRows[i] as number;
    const { x } = toTensors(context.dataset, [row]);
    examples.push({ index: i, label: context.dataset.labels[row] as number, clean: png(x, 0) });
    x.dispose();
  }
  const data: EvaluationData = {
    size: protocol.images,
    read: (a, b) => {
      const { x, y } = toTensors(context.dataset, context.evalRows.slice(a, b));
      return { x: x as Images, y: y as Labels };
    },
  };
  const results: DefenseResult[] = [];
  const skipped: SkippedDefense[] = [];
  const threat = { norm: protocol.attack.norm, eps: protocol.attack.eps };
  // Build every defense and its attacks and run every check before any evaluation: bad input fails before work.
  const planned: { position: number; defense: Defense; attacks: EvaluationAttack[] }[] = [];
  try {
    for (const [position, spec] of protocol.defenses.entries()) {
      const where = `defenses[${position}]`;
      let defense: Defense;
      try {
        defense = await createDefense(spec, context, where);
      } catch (e) {
        if (options.skipMissing === true && e instanceof MissingModelError) {
          skipped.push({ position, name: spec.name, reason: e.message });
          context.progress?.write(`skipping ${where} (${spec.name}): ${e.message}\n`);
          continue;
        }
        throw e;
      }
      planned.push({ position, defense, attacks: [] });
      const { minBatchSize } = defense.surface;
      if (minBatchSize > 1 && (protocol.images % protocol.batchSize !== 0 || protocol.batchSize < minBatchSize)) {
        throw new CliError(`protocol: ${where} (${spec.name}) classifies whole batches of at least ${minBatchSize} images: 'images' ` +
          `(${protocol.images}) must be a multiple of 'batchSize' (${protocol.batchSize}), and 'batchSize' at least ${minBatchSize}.`);
      }
      const given = spec.attacks ?? protocol.attacks;
      const listed = spec.attacks !== undefined ? `${where}.attacks` : 'attacks';
      const own = given === null;
      const attacks = createAttacks(own ? defense.surface.recommendedAttacks : given,
        protocol, own ? `${where}.surface.recommendedAttacks` : listed, context.classifier);
      attacks.forEach((a, i) => a.check(defense, own ? `${where} recommended attack ${i}` : `${listed}[${i}]`, threat));
      planned[planned.length - 1] = { position, defense, attacks };
    }
    for (const [k, { position, defense, attacks }] of planned.entries()) {
      const total = shardImages * protocol.attack.restarts * attacks.length;
      const bar = progressBar(context.progress, defense.label, total);
      const defenseExamples: DefenseExample[] = [];
      const store = options.checkpoints;
      const inBatch = (b: number, e: DefenseExample): boolean => e.index >= b * protocol.batchSize && e.index < (b + 1) * protocol.batchSize;
      const evaluation = await evaluateDefense(defense, data, {
        attacks, threat, restarts: protocol.attack.restarts,
        batchSize: protocol.batchSize, seed: protocol.seed, batches: [from, to], examples: protocol.examples,
        ...(store === undefined ? {} : {
          checkpoint: {
            read: async (b: number) => {
              const stored = await store.read(position, b);
              if (stored !== undefined) defenseExamples.push(...stored.examples);
              return stored?.result;
            },
            write: (result: BatchResult) => store.write(position, { result, examples: defenseExamples.filter((e) => inBatch(result.batch, e)) }),
          },
        }),
        onProgress: (p) => {
          bar.update(p.done);
          options.onProgress?.({ defense: k, defenses: planned.length, done: p.done, total });
        },
        onExamples: (e: ExampleImages) => {
          for (let j = 0; j < e.x.shape[0]; j++) {
            defenseExamples.push({ index: e.start + j, adversarial: png(e.adversarial, j), purifiedClean: png(e.defendedClean, j),
              purifiedAdversarial: png(e.defendedAdversarial, j) });
          }
        },
      });
      bar.done();
      options.onProgress?.({ defense: k, defenses: planned.length, done: total, total });
      const description = defense.describe();
      results.push({ position, label: defense.label, base: description.modifies, defense: description,
        attacks: evaluation.protocol.attacks, ...records(evaluation, context.evalRows), examples: defenseExamples });
    }
  } finally {
    for (const { defense } of planned) defense.dispose();
  }
  return {
    format: 'robustjs-report', version: 2, shard, protocol,
    environment: { backend: tf.getBackend(), native: options.native ?? false, node: process.version, seconds: seconds(started), shards: 1 },
    examples, classNames: [...context.dataset.classNames], results, skipped, summary: summarize(results),
  };
}
