import { randomBytes } from 'node:crypto';
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { protocolHash } from '../checkpoint/protocolHash';
import { CliError } from '../errors';
import type { Protocol } from '../protocol';
import type { MergeJobData, ShardJobData } from './jobTypes';
import { MERGE_QUEUE, mergeJobId, SHARD_QUEUE, shardJobId } from './names';

/** Options of {@link submitRun}. */
export interface SubmitOptions {
  /** The resolved protocol. */
  readonly protocol: Protocol;
  /** Number of shards (contiguous ranges of whole batches), ≥ 1. */
  readonly shards: number;
  /** The run id (letters, digits, `.`, `_`, `-`); default `run-<time>-<random>`. */
  readonly run?: string;
  /** Absolute folder for report.json and report.html, reachable by the worker that merges. */
  readonly out: string;
  /** Absolute checkpoint root, reachable by every worker. */
  readonly checkpoints: string;
  /** Attempts per shard job (failures and crashes), ≥ 1; default 3. */
  readonly attempts?: number;
  /** First retry delay in ms, doubled per attempt; default 5000. */
  readonly backoffMs?: number;
  /** Called when `run` is already in the queue and the submission resumes it (see {@link submitRun}). */
  readonly onResume?: (summary: ResumeSummary) => void;
}

/** What a resubmission of a run id already in the queue did. */
export interface ResumeSummary {
  /** The run id. */
  readonly run: string;
  /** Shards whose completed jobs (and partial reports in Redis) were kept. */
  readonly done: number;
  /** Shards put back on the queue (failed, or never finished); they resume from their checkpoints. */
  readonly retried: number;
  /** Shards still waiting or running, left as they were. */
  readonly pending: number;
  /** Whether the merge job was put back on the queue (false: the run had completed, or is still under way). */
  readonly merge: boolean;
}

/** The line `submit` prints on stderr for a {@link ResumeSummary}. */
export function formatResume(s: ResumeSummary): string {
  const what = s.merge ? 'resumed' : s.pending > 0 ? 'still under way, nothing to resume' : 'already complete, nothing to resume';
  return `run ${s.run}: ${what}: ${s.done} shards done, ${s.retried} retried, ${s.pending} pending\n`;
}

/**
 * Enqueues a run as a BullMQ flow: a merge job (queue {@link MERGE_QUEUE}) whose children are one shard job per shard
 * (queue {@link SHARD_QUEUE}) carrying the protocol, its hash, the shard and the checkpoint root. A shard job retries
 * with exponential backoff; when it fails for good, its run's merge job fails too.
 *
 * @param redis - a connection from {@link connectRedis} (the caller quits it).
 * @param options - {@link SubmitOptions}.
 * @returns the run id.
 * A run id already in the queue with the same protocol hash and shard count is resumed instead: completed shard jobs
 * are kept (their partial reports stay in Redis), failed or lost ones are put back on the queue (they resume from
 * their checkpoints, so finished batches are not recomputed), and a fresh merge job waits for them and reads the kept
 * shards' reports too. A run whose merge completed, or that is still under way (no failed shard), is left as it is.
 *
 * @throws {@link CliError} for a bad run id, a run id in the queue with another protocol hash or shard count, or a
 *   shard of the run being resumed still active.
 * @example
 * ```ts
 * const run = await submitRun(redis, { protocol, shards: 4, out: '/results/report', checkpoints: '/results/checkpoints' });
 * ```
 */
export async function submitRun(redis: Redis, options: SubmitOptions): Promise<string> {
  const run = options.run ?? `run-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(run)) throw new CliError(`Option '--run' must be 1–100 letters, digits, '.', '_' or '-', got '${run}'.`);
  const hash = protocolHash(options.protocol);
  const resumed = await resumable(redis, run, hash, options.shards);
  if (resumed !== undefined && !resumed.merge) {
    options.onResume?.(resumed);
    return run;
  }
  const kept = resumed?.kept ?? [];
  const merge: MergeJobData = { run, protocolHash: hash, shards: options.shards, out: options.out, ...(kept.length > 0 ? { kept } : {}) };
  const flow = new FlowProducer({ connection: redis });
  try {
    await flow.add({
      name: 'merge', queueName: MERGE_QUEUE, data: merge, opts: { jobId: mergeJobId(run), attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
      children: Array.from({ length: options.shards }, (_, index) => index).filter((index) => !kept.includes(index)).map((index) => {
        const data: ShardJobData = { run, protocol: options.protocol, protocolHash: hash, shard: { index, count: options.shards }, checkpoints: options.checkpoints };
        return {
          name: 'shard', queueName: SHARD_QUEUE, data,
          opts: { jobId: shardJobId(run, index), attempts: options.attempts ?? 3, backoff: { type: 'exponential', delay: options.backoffMs ?? 5000 }, failParentOnFailure: true },
        };
      }),
    });
  } finally {
    await flow.close();
  }
  if (resumed !== undefined) options.onResume?.(resumed);
  return run;
}

/**
 * Looks up run `run` in the queue for a resubmission: undefined when absent; otherwise what resuming it does. When the
 * merge must be re-armed, the old merge job (not its completed children) and the shard jobs to rerun are removed here.
 */
async function resumable(redis: Redis, run: string, hash: string, shards: number): Promise<(ResumeSummary & { kept: number[] }) | undefined> {
  const merges = new Queue<MergeJobData>(MERGE_QUEUE, { connection: redis });
  const shardQueue = new Queue(SHARD_QUEUE, { connection: redis });
  try {
    const old = await merges.getJob(mergeJobId(run));
    if (old === undefined) return undefined;
    if (old.data.protocolHash !== hash) {
      throw new CliError(`Run '${run}' is in the queue with protocol hash ${old.data.protocolHash.slice(0, 12)}, not ${hash.slice(0, 12)} ` +
        "(another protocol or other --images/--seed/--unet/--dad); pick another '--run' id (or none for a fresh one).");
    }
    if (old.data.shards !== shards) {
      throw new CliError(`Run '${run}' is in the queue with --shards ${old.data.shards}, not ${shards}; resubmit with --shards ${old.data.shards} or pick another '--run' id.`);
    }
    const jobs = await Promise.all(Array.from({ length: shards }, (_, i) => shardQueue.getJob(shardJobId(run, i))));
    const states = await Promise.all(jobs.map((j) => (j === undefined ? 'missing' : j.getState())));
    const kept = states.flatMap((s, i) => (s === 'completed' ? [i] : []));
    const mergeState = await old.getState();
    if (mergeState !== 'failed') {
      // completed, or still under way (waiting for its shards, or merging): nothing to resume
      return { run, done: kept.length, retried: 0, pending: shards - kept.length, merge: false, kept };
    }
    const active = states.findIndex((s) => s === 'active');
    if (active >= 0) throw new CliError(`Run '${run}': shard ${active} is still running; rerun submit once it has finished or failed.`);
    await old.remove({ removeChildren: false });
    const rerun = jobs.filter((j, i) => j !== undefined && !kept.includes(i));
    for (const j of rerun) await j?.remove();
    return { run, done: kept.length, retried: shards - kept.length, pending: 0, merge: true, kept };
  } finally {
    await Promise.all([merges.close(), shardQueue.close()]);
  }
}
