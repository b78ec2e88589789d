/** The BullMQ queue of shard jobs (children of a run's merge job). */
export const SHARD_QUEUE = 'robustjs-shards';

/** The BullMQ queue of merge jobs (one per run, the parent of its shard jobs). */
export const MERGE_QUEUE = 'robustjs-merge';

/**
 * The job id of shard `index` of run `run` (BullMQ job ids: no ':').
 *
 * @param run - the run id.
 * @param index - the shard, 0-based.
 * @returns `<run>-shard-<index>`.
 * @example
 * ```ts
 * shardJobId('r1', 2); // 'r1-shard-2'
 * ```
 */
export function shardJobId(run: string, index: number): string {
  return `${run}-shard-${index}`;
}

/**
 * The job id of run `run`'s merge job.
 *
 * @param run - the run id.
 * @returns `<run>-merge`.
 * @example
 * ```ts
 * mergeJobId('r1'); // 'r1-merge'
 * ```
 */
export function mergeJobId(run: string): string {
  return `${run}-merge`;
}
