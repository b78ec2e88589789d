import type { BatchResult } from '@robustjs/attacks';
import type { DefenseExample } from '../report/types';

/** What one checkpoint holds: the evaluator's record of a batch and the defense's example pictures of that batch. */
export interface StoredBatch {
  /** The `BatchResult` of `evaluateDefense`. */
  readonly result: BatchResult;
  /** Example pictures of the batch's images (those below the protocol's `examples`), so a resumed report keeps them. */
  readonly examples: readonly DefenseExample[];
}

/** Per-batch checkpoints of a protocol's evaluation, keyed by the defense's position in the protocol and the batch. */
export interface CheckpointStore {
  /**
   * The stored batch, or undefined when there is none.
   * @param position - the defense's position in `protocol.defenses`.
   * @param batch - the batch number.
   */
  read(position: number, batch: number): Promise<StoredBatch | undefined>;
  /**
   * Stores a finished batch (atomically: a reader sees the whole record or none).
   * @param position - the defense's position.
   * @param stored - the batch.
   */
  write(position: number, stored: StoredBatch): Promise<void>;
}
