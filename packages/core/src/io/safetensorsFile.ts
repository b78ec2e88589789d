import type * as tf from '@tensorflow/tfjs';
import { atomicWriteFile, readFileChecked, toFsPath } from './nodeFiles';
import { decodeSafetensors, encodeSafetensors } from './safetensors';
import type { SafetensorsInput } from './safetensors';

/**
 * Reads a `.safetensors` file into tf tensors (Node only). The dtype rules are those of
 * `parseSafetensors`; the caller owns, and must dispose, the returned tensors.
 *
 * @param path - the file path; a `file://` prefix is accepted and stripped.
 * @returns a map from tensor name to a new tensor.
 * @throws `RobustError` `NOT_FOUND` when the file does not exist; `IO_ERROR` when it cannot
 *   be read; `CORRUPT_FILE` / `OUT_OF_RANGE` as `parseSafetensors`, naming `path`.
 * @example
 * ```ts
 * const weights = await readSafetensorsFile('./model.safetensors');
 * console.log(Object.keys(weights));
 * tf.dispose(weights);
 * ```
 */
export async function readSafetensorsFile(path: string): Promise<tf.NamedTensorMap> {
  const fn = 'readSafetensorsFile';
  const file = toFsPath(path, 'path', fn);
  const bytes = await readFileChecked(file, fn, () =>
    `'${fn}' found no file at '${file}'. Check the path (relative paths start at ${process.cwd()}).`);
  return decodeSafetensors(bytes, file);
}

/**
 * Writes tensors to a `.safetensors` file atomically (temporary file, then rename), creating
 * missing directories (Node only). The layout is that of `encodeSafetensors`; the input
 * tensors are not disposed.
 *
 * @param path - the file path; a `file://` prefix is accepted and stripped.
 * @param tensors - the tensors by name: tf tensors and/or plain `SafetensorsTensor`s.
 * @param metadata - string key/value pairs stored as `__metadata__`; default `{}` (omitted).
 * @returns resolves once the file is in place.
 * @throws `RobustError` `INVALID_ARGUMENT` as `encodeSafetensors`; `IO_ERROR` when
 *   the file cannot be written (nothing is left behind).
 * @example
 * ```ts
 * await writeSafetensorsFile('./out/adv.safetensors', { xAdv, y }, { attack: 'pgd', eps: '0.031' });
 * ```
 */
export async function writeSafetensorsFile(
  path: string,
  tensors: SafetensorsInput,
  metadata: Record<string, string> = {},
): Promise<void> {
  const fn = 'writeSafetensorsFile';
  const file = toFsPath(path, 'path', fn);
  await atomicWriteFile(file, await encodeSafetensors(tensors, metadata), fn);
}
