import { CliError } from '../errors';
import { checkShardReport } from './checkShardReport';
import { stableJson } from './stableJson';
import { summarize } from './summarize';
import type { DefenseResult, Report } from './types';

const stable = stableJson;

/**
 * Combines the partial reports of `eval --shard i/n` (i = 0 … n−1) into the report an unsharded run gives: the same
 * per-image and per-batch records, examples, summary and protocol (only the environment's timing differs).
 *
 * @param parts - the partial reports, any order, as parsed from JSON: each is checked by {@link checkShardReport}
 *   before use.
 * @param names - the inputs' names for messages (e.g. their file names); default `input 1`, `input 2`, ….
 * @returns the complete report.
 * @throws {@link CliError} when a part is not a well-formed partial report (naming the input and the field), the
 *   parts are not partial reports of one protocol, a shard is missing or repeated, or the shards' defenses differ.
 * @example
 * ```ts
 * const full = mergeReports([shard0, shard1]);
 * ```
 */
export function mergeReports(parts: readonly unknown[], names: readonly string[] = []): Report {
  if (parts.length === 0) throw new CliError('merge: give at least one partial report.');
  const checked = parts.map((p, i) => checkShardReport(p, names[i] ?? `input ${i + 1}`));
  const sorted = [...checked].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  const first = sorted[0] as Report;
  const count = first.shard?.count ?? 1;
  const protocol = stable(first.protocol);
  sorted.forEach((p, i) => {
    if (p.shard?.count !== count) throw new CliError(`merge: shard ${p.shard?.index}/${p.shard?.count} does not belong to a run of ${count} shards.`);
    if (p.shard.index !== i) throw new CliError(`merge: shard ${i}/${count} is ${p.shard.index < i ? 'repeated' : 'missing'}; give each of the ${count} shards once.`);
    if (stable(p.protocol) !== protocol) throw new CliError(`merge: shard ${i}/${count} was run with another protocol than shard 0.`);
  });
  if (sorted.length !== count) throw new CliError(`merge: got ${sorted.length} of ${count} shards; give every shard once.`);
  const positions = stable(first.results.map((r) => [r.position, r.label]));
  const results: DefenseResult[] = first.results.map((r, k) => {
    const all = sorted.map((p) => {
      if (stable(p.results.map((q) => [q.position, q.label])) !== positions) throw new CliError(`merge: shard ${p.shard?.index} evaluated other defenses than shard 0 (a model file missing on one machine?).`);
      return p.results[k] as DefenseResult;
    });
    return {
      ...r,
      images: all.flatMap((p) => p.images).sort((a, b) => a.index - b.index),
      batches: all.flatMap((p) => p.batches).sort((a, b) => a.batch - b.batch),
      examples: all.flatMap((p) => p.examples).sort((a, b) => a.index - b.index),
    };
  });
  return {
    ...first,
    shard: null,
    environment: { ...first.environment, seconds: sorted.reduce((s, p) => s + p.environment.seconds, 0), shards: count },
    examples: sorted.flatMap((p) => p.examples).sort((a, b) => a.index - b.index),
    results,
    summary: summarize(results),
  };
}
