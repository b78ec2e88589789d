import { resolve } from 'node:path';
import { Queue, UnrecoverableError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { mergeReports } from '../report/merge';
import type { Report } from '../report/types';
import { writeReport } from '../report/writeReport';
import type { MergeJobData, MergeJobResult, ShardJobData } from './jobTypes';
import { SHARD_QUEUE, shardJobId } from './names';

/**
 * Runs a run's merge job once all its shard jobs are done: `mergeReports` over the shards' partial reports (the
 * children's return values) and report.json + report.html in the run's out folder, the same records as a one-process
 * `eval` of the protocol.
 *
 * @param job - the BullMQ job ({@link MergeJobData}).
 * @param progress - where a line about the written report goes, or undefined.
 * @param redis - a connection to read the reports of shards kept from an earlier submission (`data.kept`).
 * @returns the files written.
 * @throws UnrecoverableError when the shards' reports do not merge (missing shard, another protocol).
 * @example
 * ```ts
 * new Worker(MERGE_QUEUE, (job) => processMerge(job, process.stderr), { connection });
 * ```
 */
export async function processMerge(job: Job<MergeJobData, MergeJobResult>, progress?: { write(text: string): unknown }, redis?: Redis): Promise<MergeJobResult> {
  const parts = Object.values(await job.getChildrenValues<Report>());
  if ((job.data.kept ?? []).length > 0) {
    if (redis === undefined) throw new UnrecoverableError(`run ${job.data.run}: kept shards need a Redis connection to read their reports.`);
    // shards kept from an earlier submission of the run (see submitRun): their reports are their jobs' return values
    const shards = new Queue<ShardJobData, Report>(SHARD_QUEUE, { connection: redis });
    try {
      for (const index of job.data.kept ?? []) {
        const kept = await shards.getJob(shardJobId(job.data.run, index));
        if (kept?.returnvalue == null) throw new UnrecoverableError(`run ${job.data.run}: the report of kept shard ${index} is no longer in Redis; resubmit the run.`);
        parts.push(kept.returnvalue);
      }
    } finally {
      await shards.close();
    }
  }
  let report: Report;
  try {
    report = mergeReports(parts);
  } catch (e) {
    throw new UnrecoverableError(`run ${job.data.run}: ${(e as Error).message}`);
  }
  const files = await writeReport(report, resolve(job.data.out));
  progress?.write(`run ${job.data.run}: merged ${parts.length} shards into ${files.join(', ')}\n`);
  return { files };
}
