import { hostname } from 'node:os';
import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Report } from '../report/types';
import type { MergeJobData, MergeJobResult, ShardJobData } from './jobTypes';
import { MERGE_QUEUE, SHARD_QUEUE } from './names';
import { processMerge } from './processMerge';
import { processShard, type ShardWorkerContext } from './processShard';

/** Options of {@link startWorker}. */
export interface WorkerOptions extends ShardWorkerContext {
  /** Shard jobs run at once in this process (they share its one backend, so > 1 only interleaves); default 1. */
  readonly concurrency?: number;
  /**
   * How long a job's lock lasts without renewal, in ms; default 300000. The lock is renewed between batches, so it must
   * exceed the longest batch; a killed worker's shard is retried after at most `lockDurationMs + stalledIntervalMs`.
   */
  readonly lockDurationMs?: number;
  /** How often this worker looks for stalled jobs (whose worker died), in ms; default 30000. */
  readonly stalledIntervalMs?: number;
}

/** A running worker. */
export interface RunningWorker {
  /** Its name in the queue (`job.processedBy`): `<host>:<pid>`. */
  readonly name: string;
  /** Stops taking jobs; waits for the running ones unless `force` (they are then retried from their checkpoints). */
  close(force?: boolean): Promise<void>;
}

/**
 * Starts BullMQ workers on a run's two queues in this process: shard jobs ({@link processShard}) and merge jobs
 * ({@link processMerge}). One process binds one tfjs backend, so run one worker per accelerator (pin it with the
 * accelerator's environment variable, e.g. `CUDA_VISIBLE_DEVICES=1`).
 *
 * @param redis - a blocking connection from {@link connectRedis} (`blocking: true`).
 * @param options - {@link WorkerOptions}.
 * @returns the running worker.
 * @example
 * ```ts
 * const w = startWorker(await connectRedis(url, { blocking: true }), { backend: 'wasm', native: false, progress: process.stderr });
 * process.once('SIGTERM', () => void w.close());
 * ```
 */
export function startWorker(redis: Redis, options: WorkerOptions): RunningWorker {
  const name = `${hostname()}:${process.pid}`;
  const common = {
    connection: redis, name,
    lockDuration: options.lockDurationMs ?? 300_000,
    stalledInterval: options.stalledIntervalMs ?? 30_000,
  };
  const shards = new Worker<ShardJobData, Report>(SHARD_QUEUE, (job) => processShard(job, options),
    { ...common, concurrency: options.concurrency ?? 1 });
  const merges = new Worker<MergeJobData, MergeJobResult>(MERGE_QUEUE, (job) => processMerge(job, options.progress, redis), { ...common, concurrency: 1 });
  const say = (line: string): void => {
    options.progress?.write(`worker ${name}: ${line}\n`);
  };
  // A lost connection is retried (connectRedis' retryStrategy) with one line when it drops and one when it is back,
  // instead of an error line per retry; a running shard goes on computing and writing its checkpoints meanwhile.
  let lost = false;
  redis.on('reconnecting', () => {
    if (lost) return;
    lost = true;
    say(`lost the connection to Redis; reconnecting (running shards keep their finished batches as checkpoints)`);
  });
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    say('reconnected to Redis');
  });
  for (const w of [shards, merges]) {
    w.on('error', (e) => {
      if (!lost) say(`queue error: ${e.message}`);
    });
    w.on('failed', (job, e) => say(`job ${job?.id ?? '?'} failed (attempt ${job?.attemptsMade ?? '?'}): ${e.message}`));
    w.on('stalled', (id) => say(`job ${id} stalled (its worker stopped); moved back to the queue`));
  }
  return {
    name,
    close: async (force = false) => {
      await Promise.all([shards.close(force), merges.close(force)]);
    },
  };
}
