import { UnrecoverableError, type Job } from 'bullmq';
import { fileCheckpoints } from '../checkpoint/fileCheckpoints';
import { protocolHash } from '../checkpoint/protocolHash';
import type { CheckpointStore } from '../checkpoint/types';
import { createRunContext } from '../context';
import { evaluateProtocol } from '../evaluate';
import type { ProgressSink } from '../progress';
import { parseProtocol } from '../protocol';
import type { Report } from '../report/types';
import type { ShardJobData } from './jobTypes';

/** What a worker brings to every shard job. */
export interface ShardWorkerContext {
  /** The backend key checkpoints are kept under (`wasm`, `wasm+native`, `tensorflow`, …). */
  readonly backend: string;
  /** Whether the native kernels are registered (for the report). */
  readonly native: boolean;
  /** The checkpoint root of this machine, overriding the job's; default the job's. */
  readonly checkpoints?: string;
  /** Progress bars and job lines (stderr), or undefined for silence. */
  readonly progress: ProgressSink | undefined;
}

/** Counts the batches read back and the batches computed (written) through a store. */
function counting(store: CheckpointStore): { store: CheckpointStore; restored: () => number; computed: () => number } {
  let restored = 0;
  let computed = 0;
  return {
    store: {
      read: async (position, batch) => {
        const s = await store.read(position, batch);
        if (s !== undefined) restored++;
        return s;
      },
      write: async (position, stored) => {
        await store.write(position, stored);
        computed++;
      },
    },
    restored: () => restored,
    computed: () => computed,
  };
}

/**
 * Runs one shard job: checks the protocol and its hash, evaluates the shard with file checkpoints (so a retry, after
 * a crash or a killed worker, recomputes only missing batches), reports progress (`job.updateProgress`, percent) and
 * logs the batches restored and computed (`job.log`). The partial report is the job's return value.
 *
 * @param job - the BullMQ job ({@link ShardJobData}).
 * @param worker - {@link ShardWorkerContext}.
 * @returns the shard's partial report (what `eval --shard i/n` writes).
 * @throws UnrecoverableError (no retry) for a protocol that does not parse or whose hash differs from the job's; any
 *   other error fails the attempt and BullMQ retries it with backoff.
 * @example
 * ```ts
 * new Worker(SHARD_QUEUE, (job) => processShard(job, { backend: 'wasm', native: false, progress: process.stderr }), { connection });
 * ```
 */
export async function processShard(job: Job<ShardJobData, Report>, worker: ShardWorkerContext): Promise<Report> {
  const { run, shard } = job.data;
  const what = `run ${run} shard ${shard.index}/${shard.count}`;
  let protocol;
  try {
    protocol = parseProtocol(job.data.protocol, `job ${job.id}`);
  } catch (e) {
    throw new UnrecoverableError(`${what}: the protocol does not parse on this worker: ${(e as Error).message}`);
  }
  const hash = protocolHash(protocol);
  if (hash !== job.data.protocolHash) {
    throw new UnrecoverableError(`${what}: protocol hash ${job.data.protocolHash.slice(0, 12)} of the job differs from ${hash.slice(0, 12)} ` +
      'recomputed by this worker (protocol changed, or another robustjs version); resubmit the run with this version.');
  }
  const attempt = job.attemptsStarted;
  worker.progress?.write(`${what}: attempt ${attempt} started\n`);
  const files = counting(fileCheckpoints(worker.checkpoints ?? job.data.checkpoints, protocol, worker.backend));
  let lastPercent = -1;
  let lastTime = 0;
  const report = await evaluateProtocol(protocol, await createRunContext(protocol, { progress: worker.progress }), {
    shard, native: worker.native, checkpoints: files.store,
    onProgress: (p) => {
      const percent = Math.floor((100 * (p.defense + (p.total > 0 ? p.done / p.total : 1))) / p.defenses);
      if (percent === lastPercent || (percent < 100 && Date.now() - lastTime < 500)) return; // at most 2 Redis writes a second
      lastPercent = percent;
      lastTime = Date.now();
      job.updateProgress(percent).catch(() => {}); // progress is advisory; a lost update must not fail the shard
    },
  });
  const line = `attempt ${attempt}: ${files.restored()} defense batches restored from checkpoints, ${files.computed()} computed`;
  await job.log(line);
  worker.progress?.write(`${what}: ${line}\n`);
  return report;
}
