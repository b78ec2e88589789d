import type { Protocol } from '../protocol';

/** Data of a shard job: everything a worker needs to run `eval --shard index/count` of the protocol. */
export interface ShardJobData {
  /** The run id. */
  readonly run: string;
  /** The resolved protocol (after `--images`, `--seed`, `--unet`, `--dad`). */
  readonly protocol: Protocol;
  /** `protocolHash(protocol)` at submission; a worker that recomputes another hash refuses the job. */
  readonly protocolHash: string;
  /** The shard: `index` of `count`. */
  readonly shard: { readonly index: number; readonly count: number };
  /** The checkpoint root (a folder every worker reaches); a worker's `--checkpoints` overrides it. */
  readonly checkpoints: string;
}

/** Data of a run's merge job. */
export interface MergeJobData {
  /** The run id. */
  readonly run: string;
  /** `protocolHash` of the run's protocol. */
  readonly protocolHash: string;
  /** Number of shards. */
  readonly shards: number;
  /** Where report.json and report.html go (a folder the worker that merges reaches). */
  readonly out: string;
  /** Shards whose completed jobs from an earlier submission of the run are kept (not children of this merge job). */
  readonly kept?: readonly number[];
}

/** What a merge job returns. */
export interface MergeJobResult {
  /** The files written. */
  readonly files: readonly string[];
}
