import { CliError } from '../errors';
import { checkShardReport } from './checkShardReport';
import { stableJson } from './stableJson';
import { summarize } from './summarize';
import type { DefenseResult, Report } from './types';

/** Options of {@link mergeReports}. */
export interface MergeOptions {
  /**
   * Accept a subset of the run's shards (a long run still in progress): the report's numbers cover the merged
   * shards' images only and its `partial` field lists them. Default `false` (every shard, once).
   */
  readonly partial?: boolean;
}

const stable = stableJson;

/**
 * Combines the partial reports of `eval --shard i/n` (i = 0 … n−1) into the report an unsharded run gives: the same
 * per-image and per-batch records, examples, summary and protocol (only the environment's timing differs).
 *
 * @param parts - the partial reports, any order, as parsed from JSON: each is checked by {@link checkShardReport}
 *   before use.
 * @param names - the inputs' names for messages (e.g. their file names); default `input 1`, `input 2`, ….
 * @param options - {@link MergeOptions}: `partial` accepts a subset of the shards.
 * @returns the complete report (with `partial` set when `options.partial` and shards are missing).
 * @throws {@link CliError} when a part is not a well-formed partial report (naming the input and the field), the
 *   parts are not partial reports of one protocol, a shard is repeated, a shard is missing (unless `partial`), or the
 *   shards' defenses differ.
 * @example
 * ```ts
 * const full = mergeReports([shard0, shard1]);
 * ```
 */
export function mergeReports(parts: readonly unknown[], names: readonly string[] = [], options: MergeOptions = {}): Report {
  if (parts.length === 0) throw new CliError('merge: give at least one partial report.');
  const checked = parts.map((p, i) => checkShardReport(p, names[i] ?? `input ${i + 1}`));
  const sorted = [...checked].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  const first = sorted[0] as Report;
  const count = first.shard?.count ?? 1;
  const protocol = stable(first.protocol);
  const partial = options.partial === true;
  sorted.forEach((p, i) => {
    if (p.shard?.count !== count) throw new CliError(`merge: shard ${p.shard?.index}/${p.shard?.count} does not belong to a run of ${count} shards.`);
    const previous = i === 0 ? -1 : (sorted[i - 1]?.shard?.index ?? -1);
    if (p.shard.index === previous) throw new CliError(`merge: shard ${p.shard.index}/${count} is repeated; give each shard once.`);
    if (!partial && p.shard.index !== i) {
      throw new CliError(`merge: shard ${i}/${count} is missing; give each of the ${count} shards once ` +
        '(or --partial to merge the finished shards of a run in progress).');
    }
    if (stable(p.protocol) !== protocol) throw new CliError(`merge: shard ${p.shard.index}/${count} was run with another protocol than shard ${first.shard?.index}.`);
  });
  if (!partial && sorted.length !== count) {
    throw new CliError(`merge: got ${sorted.length} of ${count} shards; give every shard once (or --partial to merge the finished shards of a run in progress).`);
  }
  const positions = stable(first.results.map((r) => [r.position, r.label]));
  const results: DefenseResult[] = first.results.map((r, k) => {
    const all = sorted.map((p) => {
      if (stable(p.results.map((q) => [q.position, q.label])) !== positions) throw new CliError(`merge: shard ${p.shard?.index} evaluated other defenses than shard ${first.shard?.index} (a model file missing on one machine?).`);
      return p.results[k] as DefenseResult;
    });
    return {
      ...r,
      images: all.flatMap((p) => p.images).sort((a, b) => a.index - b.index),
      batches: all.flatMap((p) => p.batches).sort((a, b) => a.batch - b.batch),
      examples: all.flatMap((p) => p.examples).sort((a, b) => a.index - b.index),
    };
  });
  const merged = sorted.map((p) => p.shard?.index ?? 0);
  return {
    ...first,
    shard: null,
    ...(sorted.length < count ? { partial: { shards: merged, count } } : {}),
    environment: { ...first.environment, seconds: sorted.reduce((s, p) => s + p.environment.seconds, 0), shards: sorted.length },
    examples: sorted.flatMap((p) => p.examples).sort((a, b) => a.index - b.index),
    results,
    summary: summarize(results),
  };
}
