// Node: a PyTorch classifier checkpoint (safetensors) → a TorchClassifier.
import * as tf from '@tensorflow/tfjs';
import { importTorchTensors } from '@robustjs/core';
import { readTorchCheckpoint } from '@robustjs/core/node';
import type { TorchClassifier } from './torchClassifier';
import { torchClassifierArchitecture } from './torchClassifiers';
import type { TorchClassifierConfig } from './torchClassifiers';

/** Options of {@link loadTorchClassifier}. */
export interface LoadTorchClassifierOptions {
  /** The architecture: a `TORCH_CLASSIFIER_PRESETS` key (e.g. `'wrn-28-10'`) or `wrn-<d>-<w>`. */
  readonly architecture: string;
  /** Overrides of the preset's config (e.g. `{ numClasses: 100 }`); default none. */
  readonly config?: Readonly<Record<string, unknown>>;
  /** A prefix of every key in the file, e.g. `'model.'`; default `''`. */
  readonly prefix?: string;
}

/**
 * Loads a PyTorch classifier saved as a safetensors state dict (Node only): reads the file,
 * checks every tensor name and shape against the architecture, transposes to tfjs layout and
 * builds the classifier. `num_batches_tracked` counters are skipped. Convert a `.pth` first with
 * `python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors`.
 *
 * @param path - the `.safetensors` file (a `file://` prefix is accepted).
 * @param options - `architecture`, `config` (default none), `prefix` (default `''`).
 * @returns a classifier of images `[N,H,W,3]` in [0,1] → logits `[N,K]`; `dispose()` it after.
 * @throws {@link RobustError} naming the file: `INVALID_ARGUMENT` for a `.pth` (with the conversion
 *   command), an unknown architecture or a checkpoint holding tensors the architecture lacks;
 *   `NOT_FOUND` for a missing file or tensor; `SHAPE_MISMATCH` for a tensor of another shape or a
 *   non-float dtype; `CORRUPT_FILE` for a truncated file (naming the tensor).
 * @example
 * ```ts
 * const f = await loadTorchClassifier('Standard.safetensors', { architecture: 'wrn-28-10' });
 * const logits = f(x); // x [N,32,32,3] in [0,1] → [N,10]
 * f.dispose();
 * ```
 */
export async function loadTorchClassifier(
  path: string,
  options: LoadTorchClassifierOptions,
): Promise<TorchClassifier<TorchClassifierConfig>> {
  const arch = torchClassifierArchitecture(options?.architecture, options?.config);
  const raw = await readTorchCheckpoint(path);
  try {
    const weights = importTorchTensors(raw, arch.params, {
      file: path,
      architecture: arch.name,
      prefix: options.prefix ?? '',
      ignore: (k) => k.endsWith('num_batches_tracked'),
    });
    try {
      return arch.build(weights);
    } finally {
      tf.dispose(weights);
    }
  } finally {
    tf.dispose(raw);
  }
}
