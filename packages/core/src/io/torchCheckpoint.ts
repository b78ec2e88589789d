// Reads a PyTorch state dict saved as safetensors, and recognises a pickled `.pth` given instead.
import type * as tf from '@tensorflow/tfjs';
import { RobustError } from '../errors';
import { readFileChecked, toFsPath } from './nodeFiles';
import { decodeSafetensors } from './safetensors';

/** The command that converts a `.pth` with the user's own PyTorch (see packages/zoo/README.md). */
export const PTH_CONVERSION_COMMAND =
  'python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors';

/**
 * What a file that is not safetensors looks like, when it is a PyTorch save: `torch.save` writes a
 * zip archive ('PK\x03\x04') since 1.6 and a bare pickle (protocol ≥ 2 opens with 0x80) before.
 */
function pytorchFormat(bytes: Uint8Array): string | undefined {
  const [b0, b1, b2, b3] = bytes;
  const zip = b0 === 0x50 && b1 === 0x4b && b2 === 0x03 && b3 === 0x04;
  if (zip) return 'a zip archive from torch.save';
  const pickle = b0 === 0x80 && b1 !== undefined && b1 >= 2 && b1 <= 5;
  if (pickle) return 'a pickle from a legacy torch.save';
  return undefined;
}

/**
 * Throws when `bytes` hold a pickled PyTorch checkpoint (`.pth`, `.pt`, `.ckpt`) rather
 * than safetensors, with the conversion command; browser-safe. Used by `readTorchCheckpoint`.
 *
 * @param bytes - the file's bytes (the first 2 to 4 are looked at).
 * @param file - the file, for the message.
 * @param fn - the public function, for the message.
 * @throws `RobustError` `INVALID_ARGUMENT` naming `file` when it is a zip or a pickle.
 */
export function assertNotPickle(bytes: Uint8Array, file: string, fn: string): void {
  const format = pytorchFormat(bytes);
  if (format === undefined) return;
  throw new RobustError('INVALID_ARGUMENT',
    `'${fn}' cannot read '${file}': it is a PyTorch .pth checkpoint (${format}), not ` +
      'safetensors. robustjs never unpickles files (unpickling runs code). Convert it once ' +
      `with your own PyTorch: ${PTH_CONVERSION_COMMAND}`);
}

/**
 * Reads a PyTorch state dict saved as `.safetensors` into tf tensors, still in PyTorch's names
 * and layouts (Node only); map and transpose them with `importTorchTensors`. A pickled `.pth`
 * is recognised and refused with the conversion command. The caller owns, and must dispose,
 * the returned tensors.
 *
 * @param path - the file path; a `file://` prefix is accepted and stripped.
 * @returns a map from state-dict key to a new tensor (floats as float32, integers as int32).
 * @throws `RobustError` `INVALID_ARGUMENT` naming the file when it is a PyTorch `.pth`
 *   (zip or pickle), with the command
 *   `python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors`;
 *   `NOT_FOUND` when there is no file; `IO_ERROR` when it cannot be read; `CORRUPT_FILE` naming
 *   the file and the tensor when it is truncated or malformed; `OUT_OF_RANGE` as
 *   `parseSafetensors`.
 * @example
 * ```ts
 * const raw = await readTorchCheckpoint('./wrn-28-10.safetensors');
 * console.log(raw['fc.weight']?.shape); // [10, 640]
 * tf.dispose(raw);
 * ```
 */
export async function readTorchCheckpoint(path: string): Promise<tf.NamedTensorMap> {
  const fn = 'readTorchCheckpoint';
  const file = toFsPath(path, 'path', fn);
  const bytes = await readFileChecked(file, fn, () =>
    `'${fn}' found no file at '${file}'. ` +
      `Check the path (relative paths start at ${process.cwd()}).`);
  assertNotPickle(bytes, file, fn);
  return decodeSafetensors(bytes, file);
}
