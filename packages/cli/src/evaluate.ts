import * as tf from '@tensorflow/tfjs';
import { seedStream, type Images, type Labels } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { DEFENSES } from './defenses/index';
import { resolveDefenseOptions } from './defenses/options';
import type { BatchOutcome, RunContext } from './defenses/types';
import { CliError, MissingModelError } from './errors';
import { progressBar } from './progress';
import type { DefenseSpec, Protocol } from './protocol';
import { encodePng, pngDataUri } from './report/png';
import { summarize } from './report/summarize';
import type { BatchRecord, DefenseExample, DefenseResult, ImageRecord, Report, ShardInfo, SkippedDefense } from './report/types';

/** Options of {@link evaluateProtocol}. */
export interface EvaluateOptions {
  /** Run only shard `index` of `count` (contiguous ranges of whole batches); default the whole protocol. */
  readonly shard?: { readonly index: number; readonly count: number };
  /** Skip (and list) defenses whose model files are absent instead of failing; default false (`demo` sets it). */
  readonly skipMissing?: boolean;
  /** Whether `@robustjs/native`'s kernels are registered, for the report; default false. */
  readonly native?: boolean;
}

/**
 * The batches shard `index` of `count` covers: `[⌊index·B/count⌋, ⌊(index+1)·B/count⌋)` of the B batches. Shards are
 * contiguous, disjoint and cover every batch; a shard may be empty when there are more shards than batches.
 *
 * @param batches - number of batches B.
 * @param index - the shard, 0-based.
 * @param count - number of shards.
 * @returns `[from, to)`.
 * @example
 * ```ts
 * shardRange(5, 1, 2); // [2, 5]
 * ```
 */
export function shardRange(batches: number, index: number, count: number): [number, number] {
  return [Math.floor((index * batches) / count), Math.floor(((index + 1) * batches) / count)];
}

/** Checks every defense entry's name and option keys before any work (SSNI's `base` included). */
export function validateDefenses(protocol: Protocol): void {
  protocol.defenses.forEach((spec, i) => {
    const where = `defenses[${i}]`;
    const adapter = DEFENSES[spec.name];
    if (adapter === undefined) throw new CliError(`protocol: unknown defense '${spec.name}' at ${where}; known: ${Object.keys(DEFENSES).join(', ')}.`);
    resolveDefenseOptions(spec, adapter.defaults, where);
    if (spec.name === 'ssni' && spec.base !== undefined) {
      const base = spec.base as DefenseSpec;
      const inner = typeof base === 'object' && base !== null ? DEFENSES[base.name] : undefined;
      if (inner === undefined || !['diffpure', 'gdmp', 'gns'].includes(base.name)) {
        throw new CliError(`protocol: '${where}.base' must be a DiffPure, GDMP or GNS entry like { "name": "diffpure" }, got ${JSON.stringify(base)}.`);
      }
      resolveDefenseOptions(base, inner.defaults, `${where}.base`);
    }
  });
}

const png = (x: tf.Tensor4D, j: number): string => {
  const [, h, w, c] = x.shape;
  const data = tf.tidy(() => tf.slice(x, [j, 0, 0, 0], [1, -1, -1, -1]).dataSync());
  return pngDataUri(encodePng(data, w, h, c === 3 ? 3 : 1, 3));
};

const seconds = (from: number): number => (performance.now() - from) / 1000;

/**
 * Evaluates every defense of a protocol on its images, in fixed batches: clean accuracy through the defense, its
 * adaptive attack, robust accuracy (worst case over restarts and attack candidates), per-image and per-batch records,
 * example pictures. Every random draw is seeded from `protocol.seed` and the batch number (the same seeds for every
 * defense: common random numbers), so a batch gives the same numbers whichever shard runs it.
 *
 * @param protocol - the protocol.
 * @param context - the run context ({@link createRunContext}).
 * @param options - `shard`, `skipMissing`, `native`.
 * @returns the report (partial when sharded); it holds no tensors.
 * @throws {@link CliError} for unknown defenses or options (before any work) and missing or corrupt model files.
 * @example
 * ```ts
 * const report = await evaluateProtocol(protocol, await createRunContext(protocol), { shard: { index: 0, count: 2 } });
 * ```
 */
export async function evaluateProtocol(protocol: Protocol, context: RunContext, options: EvaluateOptions = {}): Promise<Report> {
  validateDefenses(protocol);
  const started = performance.now();
  const totalBatches = Math.ceil(protocol.images / protocol.batchSize);
  const shard: ShardInfo | null = options.shard === undefined ? null
    : { ...options.shard, batches: shardRange(totalBatches, options.shard.index, options.shard.count) };
  const [from, to] = shard?.batches ?? [0, totalBatches];
  const shardImages = Math.max(0, Math.min(protocol.images, to * protocol.batchSize) - from * protocol.batchSize);
  const wantsProbe = protocol.defenses.some((d) => d.name === 'dad');
  const results: DefenseResult[] = [];
  const skipped: SkippedDefense[] = [];
  const examples: Report['examples'][number][] = [];
  for (let b = from; b < to; b++) {
    const start = b * protocol.batchSize;
    for (let i = start; i < Math.min(protocol.examples, start + protocol.batchSize, protocol.images); i++) {
      const row = context.evalRows[i] as number;
      const { x } = toTensors(context.dataset, [row]);
      examples.push({ index: i, label: context.dataset.labels[row] as number, clean: png(x, 0) });
      x.dispose();
    }
  }
  let probe: ((x: Images) => number) | undefined;
  if (wantsProbe) {
    try {
      const { detector } = await context.dad();
      probe = (x) => {
        const s = detector.score(x);
        const v = (s.dataSync() as Float32Array)[0] as number;
        s.dispose();
        return v;
      };
    } catch (e) {
      if (!(options.skipMissing === true && e instanceof MissingModelError)) throw e;
    }
  }

  for (const [position, spec] of protocol.defenses.entries()) {
    let defense;
    try {
      defense = await (DEFENSES[spec.name] as (typeof DEFENSES)[string]).create(spec, context, `defenses[${position}]`);
    } catch (e) {
      if (options.skipMissing === true && e instanceof MissingModelError) {
        skipped.push({ position, name: spec.name, reason: e.message });
        context.progress?.write(`skipping defenses[${position}] (${spec.name}): ${e.message}\n`);
        continue;
      }
      throw e;
    }
    const images: ImageRecord[] = [];
    const batches: BatchRecord[] = [];
    const defenseExamples: DefenseExample[] = [];
    const bar = progressBar(context.progress, `${defense.label}`, shardImages * protocol.attack.restarts);
    let attacked = 0;
    // Common random numbers: every defense draws the same seeds for a batch (same random starts, same purifier noise
    // shapes), so the Δ between a method and its base is not blurred by independent draws.
    const batchSeeds = seedStream(protocol.seed);
    for (let b = from; b < to; b++) {
      const start = b * protocol.batchSize;
      const rows = context.evalRows.slice(start, Math.min(start + protocol.batchSize, protocol.images));
      const size = rows.length;
      const seeds = batchSeeds.fork(`batch ${b}`);
      const classifySeed = seeds.next() + 1;
      const adversarialSeed = seeds.next() + 1;
      const attackSeeds = Array.from({ length: protocol.attack.restarts }, () => seeds.next() + 1);
      const exampleCount = Math.max(0, Math.min(protocol.examples - start, size));
      const { x, y } = toTensors(context.dataset, rows);
      const labels = Array.from(y.dataSync());
      const t0 = performance.now();
      const clean = defense.classify(x, classifySeed, exampleCount > 0);
      const cleanSeconds = seconds(t0);
      let attackSeconds = 0;
      let adversarialSeconds = 0;
      const adversarial = Int32Array.from(labels);
      const fooled = new Array<boolean>(size).fill(false);
      let firstAdv: { x: Images; outcome: BatchOutcome } | undefined;
      const mmdAdversarial: number[] = [];
      const flaggedAdversarial: boolean[] = [];
      for (const [r, attackSeed] of attackSeeds.entries()) {
        const ta = performance.now();
        const candidates = defense.attack(x, y as Labels, protocol.attack, attackSeed, (done) => bar.update(attacked + done));
        attackSeconds += seconds(ta);
        attacked += size;
        for (const [c, xAdv] of candidates.entries()) {
          const tc = performance.now();
          const keep = r === 0 && c === 0;
          const outcome = defense.classify(xAdv, adversarialSeed, keep && exampleCount > 0);
          adversarialSeconds += seconds(tc);
          if (outcome.flagged !== undefined) flaggedAdversarial.push(outcome.flagged);
          if (probe !== undefined) mmdAdversarial.push(outcome.mmd ?? probe(xAdv));
          outcome.predictions.forEach((p, j) => {
            if (!fooled[j]) {
              adversarial[j] = p;
              fooled[j] = p !== labels[j];
            }
          });
          if (keep) firstAdv = { x: xAdv, outcome };
          else xAdv.dispose();
        }
      }
      for (let j = 0; j < size; j++) {
        const index = start + j;
        const rec: ImageRecord = {
          index, row: rows[j] as number, label: labels[j] as number, clean: clean.predictions[j] as number, adversarial: adversarial[j] as number,
          ...(clean.norms !== undefined ? { cleanNorm: clean.norms[j] as number } : {}),
          ...(firstAdv?.outcome.norms !== undefined ? { adversarialNorm: firstAdv.outcome.norms[j] as number } : {}),
          ...(clean.timesteps !== undefined ? { cleanT: clean.timesteps[j] as number } : {}),
          ...(firstAdv?.outcome.timesteps !== undefined ? { adversarialT: firstAdv.outcome.timesteps[j] as number } : {}),
        };
        images.push(rec);
        if (j < exampleCount && firstAdv !== undefined && clean.purified !== undefined && firstAdv.outcome.purified !== undefined) {
          defenseExamples.push({ index, adversarial: png(firstAdv.x, j), purifiedClean: png(clean.purified, j), purifiedAdversarial: png(firstAdv.outcome.purified, j) });
        }
      }
      const mmdClean = clean.mmd ?? probe?.(x);
      batches.push({
        batch: b, size, seconds: { clean: cleanSeconds, attack: attackSeconds, adversarial: adversarialSeconds },
        ...(mmdClean !== undefined ? { mmdClean } : {}),
        ...(mmdAdversarial.length > 0 ? { mmdAdversarial } : {}),
        ...(clean.flagged !== undefined ? { flaggedClean: clean.flagged } : {}),
        ...(flaggedAdversarial.length > 0 ? { flaggedAdversarial } : {}),
      });
      const owned: (tf.Tensor | undefined)[] = [x, y, clean.purified, firstAdv?.x, firstAdv?.outcome.purified];
      tf.dispose(owned.filter((t): t is tf.Tensor => t !== undefined));
      await tf.nextFrame();
    }
    bar.done();
    defense.dispose();
    results.push({ position, label: defense.label, base: defense.base ?? null, settings: defense.settings, attack: defense.attackDescription,
      images, batches, examples: defenseExamples });
  }
  return {
    format: 'robustjs-report', version: 1, shard, protocol,
    environment: { backend: tf.getBackend(), native: options.native ?? false, node: process.version, seconds: seconds(started), shards: 1 },
    examples, classNames: [...context.dataset.classNames], results, skipped, summary: summarize(results),
  };
}
