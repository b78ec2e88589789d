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
}

/**
 * Enqueues a run as a BullMQ flow: a merge job (queue {@link MERGE_QUEUE}) whose children are one shard job per shard
 * (queue {@link SHARD_QUEUE}) carrying the protocol, its hash, the shard and the checkpoint root. A shard job retries
 * with exponential backoff; when it fails for good, its run's merge job fails too.
 *
 * @param redis - a connection from {@link connectRedis} (the caller quits it).
 * @param options - {@link SubmitOptions}.
 * @returns the run id.
 * @throws {@link CliError} for a bad run id, or a run id already in the queue.
 * @example
 * ```ts
 * const run = await submitRun(redis, { protocol, shards: 4, out: '/results/report', checkpoints: '/results/checkpoints' });
 * ```
 */
export async function submitRun(redis: Redis, options: SubmitOptions): Promise<string> {
  const run = options.run ?? `run-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  if (!/^[A-Za-z0-9._-]{1,100}$/.test(run)) throw new CliError(`Option '--run' must be 1–100 letters, digits, '.', '_' or '-', got '${run}'.`);
  const queue = new Queue(MERGE_QUEUE, { connection: redis });
  try {
    if (await queue.getJob(mergeJobId(run)) !== undefined) {
      throw new CliError(`Run '${run}' is already in the queue; pick another '--run' id (or none for a fresh one).`);
    }
  } finally {
    await queue.close();
  }
  const hash = protocolHash(options.protocol);
  const merge: MergeJobData = { run, protocolHash: hash, shards: options.shards, out: options.out };
  const flow = new FlowProducer({ connection: redis });
  try {
    await flow.add({
      name: 'merge', queueName: MERGE_QUEUE, data: merge, opts: { jobId: mergeJobId(run), attempts: 3, backoff: { type: 'exponential', delay: 1000 } },
      children: Array.from({ length: options.shards }, (_, index) => {
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
  return run;
}
