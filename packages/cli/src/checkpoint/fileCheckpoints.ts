import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { atomicWrite } from '../atomicWrite';
import { CliError } from '../errors';
import type { Protocol } from '../protocol';
import { protocolHash } from './protocolHash';
import type { CheckpointStore, StoredBatch } from './types';

const FORMAT = 'robustjs-checkpoint';

interface CheckpointFile extends StoredBatch {
  readonly format: typeof FORMAT;
  readonly version: 1;
  readonly protocolHash: string;
  readonly backend: string;
  readonly position: number;
}

/**
 * Checkpoints as files: batch `b` of the defense at `position` is `<dir>/<protocolHash>/<position>-<b>.json`, written
 * atomically (temp file, then rename) and read back on a rerun, so an interrupted `eval` (or a retried queue job)
 * recomputes only the missing batches. The folder may be shared by shards, processes and machines (a network file
 * system): each file is written whole by one writer.
 *
 * @param dir - the checkpoint root (created on the first write).
 * @param protocol - the resolved protocol; its {@link protocolHash} names the subfolder.
 * @param backend - the tfjs backend of this run; a checkpoint written on another backend is refused (numbers differ
 *   across backends, and one report must not mix them).
 * @returns the store.
 * @throws {@link CliError} (on read) for a file that is not a checkpoint of this protocol, position, batch and backend.
 * @example
 * ```ts
 * const report = await evaluateProtocol(protocol, context, { checkpoints: fileCheckpoints('ckpt', protocol, tf.getBackend()) });
 * ```
 */
export function fileCheckpoints(dir: string, protocol: Protocol, backend: string): CheckpointStore & { readonly dir: string } {
  const hash = protocolHash(protocol);
  const root = join(resolve(dir), hash);
  const path = (position: number, batch: number): string => join(root, `${position}-${batch}.json`);
  return {
    dir: root,
    async read(position, batch) {
      const file = path(position, batch);
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw new CliError(`Checkpoint '${file}' cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
      }
      let c: Partial<CheckpointFile>;
      try {
        c = JSON.parse(text) as Partial<CheckpointFile>;
      } catch (e) {
        throw new CliError(`Checkpoint '${file}' is not valid JSON (${(e as Error).message}); delete it to recompute the batch.`);
      }
      if (c.format !== FORMAT || c.version !== 1 || c.protocolHash !== hash || c.position !== position || c.result?.batch !== batch) {
        throw new CliError(`Checkpoint '${file}' is not batch ${batch} of defenses[${position}] of protocol ${hash.slice(0, 12)}; delete it to recompute the batch.`);
      }
      if (c.backend !== backend) {
        throw new CliError(`Checkpoint '${file}' was computed on backend '${c.backend}', this run uses '${backend}'; ` +
          `run with '--backend ${c.backend}' or use another '--checkpoints' folder (one report must not mix backends).`);
      }
      return { result: c.result, examples: c.examples ?? [] };
    },
    async write(position, stored) {
      const c: CheckpointFile = { format: FORMAT, version: 1, protocolHash: hash, backend, position, ...stored };
      await atomicWrite(path(position, stored.result.batch), JSON.stringify(c));
    },
  };
}
