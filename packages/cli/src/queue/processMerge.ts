import { resolve } from 'node:path';
import { UnrecoverableError, type Job } from 'bullmq';
import { mergeReports } from '../report/merge';
import type { Report } from '../report/types';
import { writeReport } from '../report/writeReport';
import type { MergeJobData, MergeJobResult } from './jobTypes';

/**
 * Runs a run's merge job once all its shard jobs are done: `mergeReports` over the shards' partial reports (the
 * children's return values) and report.json + report.html in the run's out folder, the same records as a one-process
 * `eval` of the protocol.
 *
 * @param job - the BullMQ job ({@link MergeJobData}).
 * @param progress - where a line about the written report goes, or undefined.
 * @returns the files written.
 * @throws UnrecoverableError when the shards' reports do not merge (missing shard, another protocol).
 * @example
 * ```ts
 * new Worker(MERGE_QUEUE, (job) => processMerge(job, process.stderr), { connection });
 * ```
 */
export async function processMerge(job: Job<MergeJobData, MergeJobResult>, progress?: { write(text: string): unknown }): Promise<MergeJobResult> {
  const parts = Object.values(await job.getChildrenValues<Report>());
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
