import { Queue, type JobProgress } from 'bullmq';
import type { Redis } from 'ioredis';
import { CliError } from '../errors';
import type { MergeJobData, MergeJobResult } from './jobTypes';
import { MERGE_QUEUE, mergeJobId, SHARD_QUEUE, shardJobId } from './names';

/** One shard of a run, as the queue sees it. */
export interface ShardStatus {
  /** The shard, 0-based. */
  readonly index: number;
  /** BullMQ state: `waiting`, `active`, `delayed` (waiting for a retry), `completed`, `failed`, `unknown`. */
  readonly state: string;
  /** Percent done of the current attempt (0–100). */
  readonly progress: number;
  /** Attempts started (an attempt that crashed or stalled counts). */
  readonly attempts: number;
  /** Times a worker died under it (lock expired). */
  readonly stalled: number;
  /** Started more than once: retried after a failure or a stall. */
  readonly retried: boolean;
  /** The worker (`host:pid`) that runs or ran it. */
  readonly worker: string | null;
  /** Why the last attempt failed, or null. */
  readonly failedReason: string | null;
  /** The job's log lines (batches restored and computed per attempt). */
  readonly log: readonly string[];
}

/** A run, as the queue sees it. */
export interface RunStatus {
  /** The run id. */
  readonly run: string;
  /** Shards done, running, failed for good, retried, and waiting (incl. delayed). */
  readonly counts: { readonly done: number; readonly running: number; readonly failed: number; readonly retried: number; readonly waiting: number };
  /** Per shard. */
  readonly shards: readonly ShardStatus[];
  /** The merge job: its state and, once completed, the files written. */
  readonly merge: { readonly state: string; readonly files: readonly string[]; readonly failedReason: string | null };
}

const percent = (p: JobProgress): number => (typeof p === 'number' ? p : 0);

/**
 * Reads a run's state from the queue: every shard job's state, progress, attempts and log, and the merge job.
 *
 * @param redis - a connection from {@link connectRedis}.
 * @param run - the run id `submit` printed.
 * @returns the {@link RunStatus}.
 * @throws {@link CliError} when the queue holds no run of that id.
 * @example
 * ```ts
 * const { counts } = await runStatus(redis, 'run-abc');
 * ```
 */
export async function runStatus(redis: Redis, run: string): Promise<RunStatus> {
  const merges = new Queue<MergeJobData, MergeJobResult>(MERGE_QUEUE, { connection: redis });
  const shardQueue = new Queue(SHARD_QUEUE, { connection: redis });
  try {
    const merge = await merges.getJob(mergeJobId(run));
    if (merge === undefined) throw new CliError(`No run '${run}' in the queue (use the id 'robustjs submit' printed; finished runs stay until removed from Redis).`);
    const shards: ShardStatus[] = [];
    for (let index = 0; index < merge.data.shards; index++) {
      const id = shardJobId(run, index);
      // the state first, then the job: a job read first may change state in between
      // (then a failed shard would show no failedReason)
      const state = await shardQueue.getJobState(id);
      const job = state === 'unknown' ? undefined : await shardQueue.getJob(id);
      const attempts = job?.attemptsStarted ?? 0;
      shards.push({
        index, state, progress: state === 'completed' ? 100 : percent(job?.progress ?? 0), attempts, stalled: job?.stalledCounter ?? 0,
        retried: attempts > 1, worker: job?.processedBy ?? null, failedReason: job?.failedReason || null,
        log: (await shardQueue.getJobLogs(id)).logs,
      });
    }
    const count = (states: readonly string[]): number => shards.filter((s) => states.includes(s.state)).length;
    const mergeState = await merges.getJobState(mergeJobId(run));
    // `merge` was read before the shards and its state: read afresh for its return value or error
    const done = await merges.getJob(mergeJobId(run)) ?? merge;
    return {
      run,
      counts: {
        done: count(['completed']), running: count(['active']), failed: count(['failed']),
        retried: shards.filter((s) => s.retried).length, waiting: count(['waiting', 'delayed', 'prioritized', 'waiting-children']),
      },
      shards,
      merge: { state: mergeState, files: mergeState === 'completed' ? done.returnvalue?.files ?? [] : [], failedReason: done.failedReason || null },
    };
  } finally {
    await Promise.all([merges.close(), shardQueue.close()]);
  }
}

/**
 * The status as text: a summary line, one line per shard, the merge.
 *
 * @param status - from {@link runStatus}.
 * @returns lines ending in a newline.
 * @example
 * ```ts
 * process.stdout.write(formatStatus(await runStatus(redis, run)));
 * ```
 */
export function formatStatus(status: RunStatus): string {
  const { counts: c } = status;
  const lines = [`run ${status.run}: ${status.shards.length} shards: ${c.done} done, ${c.running} running, ${c.failed} failed, ${c.waiting} waiting; ${c.retried} retried`];
  for (const s of status.shards) {
    const extra = [s.worker === null ? '' : `on ${s.worker}`, s.stalled > 0 ? `stalled ${s.stalled}×` : '', s.log.at(-1) ?? '',
      s.failedReason === null ? '' : `last error: ${s.failedReason}`].filter((x) => x !== '');
    lines.push(`  shard ${s.index}/${status.shards.length}  ${s.state.padEnd(9)} ${String(s.progress).padStart(3)}%  attempts ${s.attempts}${s.retried ? ' (retried)' : ''}` +
      `${extra.length > 0 ? `  ${extra.join('; ')}` : ''}`);
  }
  lines.push(`  merge  ${status.merge.state}${status.merge.files.length > 0 ? `: ${status.merge.files.join(', ')}` : ''}` +
    `${status.merge.failedReason === null ? '' : `  last error: ${status.merge.failedReason}`}`);
  return `${lines.join('\n')}\n`;
}
