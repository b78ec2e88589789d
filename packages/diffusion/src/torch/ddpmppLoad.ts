import * as tf from '@tensorflow/tfjs';
import { importTorchTensors } from '@robustjs/core';
import { readTorchCheckpoint } from '@robustjs/core/node';
import { ddpmpp, type Ddpmpp } from './ddpmpp';
import type { DdpmppConfig } from './ddpmppConfig';
import { ddpmppTorchParams } from './ddpmppTorchParams';

/** The architecture's name in error messages. */
const ARCHITECTURE = 'Score-SDE DDPM++ (ncsnpp)';

/**
 * Loads a Score-SDE NCSN++ / DDPM++ checkpoint saved as safetensors (Node) into {@link ddpmpp}.
 * The file holds the PyTorch state dict: `all_modules.<i>.…` names, optionally all prefixed with
 * DataParallel's `module.`, optionally with the `sigmas` buffer (both as in Score-SDE's own
 * checkpoints). For DiffPure's `checkpoint_8.pth`, convert the EMA weights (what DiffPure runs)
 * once with your own PyTorch: `python3 bench/torch_archs/ddpmpp.py convert checkpoint_8.pth
 * ddpmpp.safetensors`.
 *
 * @param path - the `.safetensors` file (a `file://` prefix is accepted).
 * @param config - overrides of `DDPMPP_DEFAULTS` (default none: the deep continuous CIFAR-10
 *   config).
 * @returns the network (`predict` is the VP-continuous ε-predictor, see `ddpmppLabels`).
 * @throws {@link @robustjs/core!index.RobustError} naming the file: `INVALID_ARGUMENT` for a
 *   pickled `.pth` (with the conversion command) or a checkpoint holding tensors this config does
 *   not have (another architecture); `NOT_FOUND` for a missing file or a missing tensor (named);
 *   `SHAPE_MISMATCH` for a tensor of another shape or a non-float dtype (named); `CORRUPT_FILE`
 *   for a truncated or malformed file. Nothing is left allocated when it throws.
 * @example
 * ```ts
 * const model = await loadDdpmpp('ddpmpp-cifar10.safetensors');
 * const eps = model.predict(xt, tf.tensor1d([99], 'int32')); // [1,32,32,3]
 * ```
 */
export async function loadDdpmpp(path: string, config?: Partial<DdpmppConfig>): Promise<Ddpmpp> {
  const expected = ddpmppTorchParams(config);
  const raw = await readTorchCheckpoint(path);
  try {
    const keys = Object.keys(raw);
    const prefix = keys.length > 0 && keys.every((k) => k.startsWith('module.')) ? 'module.' : '';
    const weights = importTorchTensors(raw, expected, {
      file: path,
      architecture: ARCHITECTURE,
      prefix,
      ignore: (k) => k === `${prefix}sigmas`,
    });
    try {
      return ddpmpp(config, weights);
    } catch (e) {
      tf.dispose(Object.values(weights));
      throw e;
    }
  } finally {
    tf.dispose(Object.values(raw));
  }
}
