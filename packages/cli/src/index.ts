/**
 * `@robustjs/cli`: the `robustjs` command line and the pieces it is built from.
 *
 * `robustjs demo` evaluates the undefended classifier, DiffPure, DiffPure + SSNI-L / SSNI-N, GDMP and GNS with and
 * without SSNI-N, and DAD on the same Fashion-MNIST test images, each under its own adaptive attack, and writes
 * `report.json` and a self-contained `report.html`. `robustjs eval <protocol.json> --shard i/n` runs a share of the
 * batches and `robustjs merge` combines the shares into the report an unsharded run gives; `--checkpoints <dir>` keeps
 * every finished batch so a rerun resumes. `robustjs submit` / `worker` / `status` run the shards as BullMQ jobs on
 * Redis under a merge job, with retries that resume from the checkpoints. The CLI holds no defense
 * logic: {@link DEFENSES} and {@link ATTACKS} map protocol options onto the library's `Defense` and `EvaluationAttack`
 * factories, and every number comes from `evaluateDefense` of `@robustjs/attacks`.
 *
 * @packageDocumentation
 */
// core's error, re-exported so that a user of this package alone can catch it
export { RobustError, isRobustError } from '@robustjs/core';
export type { RobustErrorCode } from '@robustjs/core';
export { runCli } from './cli';
export type { CliIo } from './cli';
export { CliError, MissingModelError, describeFailure, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './errors';
export { DEMO_PROTOCOL, DEMO_FULL_PROTOCOL, PROTOCOL_DEFAULTS, UNET_ARCHITECTURES, parseProtocol, checkKeys } from './protocol';
export type {
  Protocol, AttackSettings, DefenseSpec, AttackSpec, NamedSpec, ModelPaths, ClassifierSpec, UnetSpec, UnetArchitecture,
} from './protocol';
export { DEFENSES, createDefense, validateDefenses } from './registry/defenses';
export type { DefenseEntry } from './registry/defenses';
export { ATTACKS, createAttacks } from './registry/attacks';
export type { AttackEntry } from './registry/attacks';
export { createRunContext, loadUnetFile, loadDadParts, defaultUnetPath, defaultDadDir } from './context';
export type { RunContextOptions, RunContext, DadParts } from './context';
export { loadClassifierFile, loadDiffusionModel } from './loadModels';
export type { DiffusionModel } from './loadModels';
export { evaluateProtocol, shardRange } from './evaluate';
export type { EvaluateOptions, ProtocolProgress } from './evaluate';
export { fileCheckpoints } from './checkpoint/fileCheckpoints';
export { protocolHash } from './checkpoint/protocolHash';
export type { CheckpointStore, StoredBatch } from './checkpoint/types';
export { stableJson } from './report/stableJson';
export { connectRedis } from './queue/connectRedis';
export type { ConnectRedisOptions } from './queue/connectRedis';
export { formatResume, submitRun } from './queue/submitRun';
export type { ResumeSummary, SubmitOptions } from './queue/submitRun';
export { startWorker } from './queue/startWorker';
export type { WorkerOptions, RunningWorker } from './queue/startWorker';
export { processShard } from './queue/processShard';
export type { ShardWorkerContext } from './queue/processShard';
export { processMerge } from './queue/processMerge';
export { runStatus, formatStatus } from './queue/runStatus';
export type { RunStatus, ShardStatus } from './queue/runStatus';
export { SHARD_QUEUE, MERGE_QUEUE, shardJobId, mergeJobId } from './queue/names';
export type { ShardJobData, MergeJobData, MergeJobResult } from './queue/jobTypes';
export { mergeReports, type MergeOptions } from './report/merge';
export { checkShardReport } from './report/checkShardReport';
export { summarize } from './report/summarize';
export { renderTable } from './report/table';
export { renderHtml, REPORT_CSP } from './report/html';
export { writeReport } from './report/writeReport';
export { encodePng, pngDataUri } from './report/png';
export type {
  Report, ReportEnvironment, ShardInfo, PartialInfo, DefenseResult, ImageRecord, ImageInfo, BatchRecord, BatchInfoRecord, DefenseExample,
  ReportedAttack, SkippedDefense, SummaryRow, Accuracy, AttackAccuracy, Detection,
} from './report/types';
export { attackAccuracies, attackCorrectness, type AttackCorrectness, mixedAccuracy, detection, auroc, rocPoints } from './report/analysis';
export { atomicWrite } from './atomicWrite';
export { progressBar } from './progress';
export type { ProgressBar, ProgressSink } from './progress';
export { trainCommand, trainHint, trainScriptsRoot, TRAIN_TARGETS } from './commands/train';
export { completionScript, COMPLETION_SHELLS } from './commands/completion';
export type { CompletionShell } from './commands/completion';
export { intFlag, epsFlag, withDefault } from './flags';
export type { IntRange } from './flags';
export { epsBound, epsProblem, DATASET_SHAPES, DATASET_NAMES } from './threatModel';
export type { ProtocolDataset } from './threatModel';
