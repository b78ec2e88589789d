/**
 * Node-only file helpers of `@robustjs/diffusion`: save and load UNets and training checkpoints as safetensors.
 * @packageDocumentation
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, describeValue, encodeSafetensors, parseSafetensors, decodeSafetensors } from '@robustjs/core';
import type { TrainCheckpoint } from './train';
import { unetFromSafetensors, type Unet } from './unet/unet';

export { loadDiffusersUnet } from './torch/loadDiffusersUnet';
export type { DiffusersUnetFiles } from './torch/loadDiffusersUnet';
export { loadDdpmpp } from './torch/ddpmppLoad';

async function readBytes(path: string, fn: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new RobustError('NOT_FOUND', `'${fn}' cannot read '${path}': ${(cause as Error).message}. Check the path.`, { cause });
  }
}

/** Writes to a temporary file, then renames (an interrupted write never leaves a half-written file). */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/**
 * Saves a UNet (config + weights) as one safetensors file, atomically.
 *
 * @param unet - the network.
 * @param path - the file path (e.g. `models/unet/unet.safetensors`); folders are created.
 * @param metadata - extra string metadata stored in the file.
 * @example
 * ```ts
 * await saveUnet(unet, 'unet.safetensors');
 * ```
 */
export async function saveUnet(unet: Unet, path: string, metadata: Record<string, string> = {}): Promise<void> {
  await writeAtomic(path, await unet.toSafetensors(metadata));
}

/**
 * Loads a UNet saved by {@link saveUnet} (or `unet.toSafetensors()`).
 *
 * @param path - the file path.
 * @returns the network.
 * @throws RobustError `NOT_FOUND` for a missing file, `CORRUPT_FILE` for a truncated or foreign file,
 *   `SHAPE_MISMATCH` for weights that do not fit the stored config.
 * @example
 * ```ts
 * const unet = await loadUnet(join(modelsDir(), 'unet', 'unet.safetensors'));
 * ```
 */
export async function loadUnet(path: string): Promise<Unet> {
  return unetFromSafetensors(await readBytes(path, 'loadUnet'), path);
}

/**
 * Saves a training checkpoint of `trainDiffusion` (weights, EMA, Adam state, step, settings), atomically.
 *
 * @param checkpoint - the checkpoint passed to `onCheckpoint`.
 * @param path - the file path.
 * @example
 * ```ts
 * await trainDiffusion(unet, data, schedule, { onCheckpoint: (c) => saveCheckpoint(c, 'ckpt.safetensors') });
 * ```
 */
export async function saveCheckpoint(checkpoint: TrainCheckpoint, path: string): Promise<void> {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [k, v] of Object.entries(checkpoint.weights)) tensors[`w/${k}`] = v;
  for (const [k, v] of Object.entries(checkpoint.ema)) tensors[`ema/${k}`] = v;
  checkpoint.optimizer.forEach((t, i) => { tensors[`opt/${String(i).padStart(5, '0')}`] = t; });
  const bytes = await encodeSafetensors(tensors, {
    format: 'robustjs-diffusion-checkpoint', step: String(checkpoint.step), smoothedLoss: String(checkpoint.smoothedLoss),
    settings: JSON.stringify(checkpoint.settings),
  });
  await writeAtomic(path, bytes);
}

/**
 * Loads a checkpoint written by {@link saveCheckpoint}; pass it as `resume` to `trainDiffusion` (which checks the
 * settings) and dispose its tensors afterwards with `disposeCheckpoint`.
 *
 * @param path - the file path.
 * @returns the checkpoint.
 * @throws RobustError `NOT_FOUND` / `CORRUPT_FILE` (also for settings that are not a JSON object, with the parse
 *   error as `cause`; checked before any tensor is created).
 * @example
 * ```ts
 * const resume = await loadCheckpoint('ckpt.safetensors');
 * ```
 */
export async function loadCheckpoint(path: string): Promise<TrainCheckpoint> {
  const fn = 'loadCheckpoint';
  const bytes = await readBytes(path, fn);
  const { metadata } = parseSafetensors(bytes, path);
  assert(metadata.format === 'robustjs-diffusion-checkpoint', 'CORRUPT_FILE', () =>
    `'${fn}': '${path}' is not a robustjs diffusion checkpoint (metadata format '${metadata.format ?? 'missing'}').`);
  let settings: unknown;
  try {
    settings = JSON.parse(metadata.settings ?? '{}');
  } catch (cause) {
    throw new RobustError('CORRUPT_FILE', `'${fn}': the settings stored in '${path}' are not valid JSON (${String(cause)}). ` +
      'Write the checkpoint again with saveCheckpoint().', { cause });
  }
  assert(typeof settings === 'object' && settings !== null && !Array.isArray(settings), 'CORRUPT_FILE', () =>
    `'${fn}': the settings stored in '${path}' must be a JSON object, got ${describeValue(settings)}. ` +
      'Write the checkpoint again with saveCheckpoint().');
  const all = decodeSafetensors(bytes, path);
  // Names come from the file: maps without a prototype, so 'w/__proto__' stays an ordinary key.
  const weights = Object.create(null) as tf.NamedTensorMap;
  const ema = Object.create(null) as tf.NamedTensorMap;
  const opt: [string, tf.Tensor][] = [];
  for (const [k, v] of Object.entries(all)) {
    if (k.startsWith('w/')) weights[k.slice(2)] = v;
    else if (k.startsWith('ema/')) ema[k.slice(4)] = v;
    else if (k.startsWith('opt/')) opt.push([k, v]);
  }
  opt.sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { step: Number(metadata.step), smoothedLoss: Number(metadata.smoothedLoss), weights, ema,
    optimizer: opt.map(([, v]) => v), settings: settings as Record<string, number> };
}

/**
 * Disposes the tensors of a loaded checkpoint.
 *
 * @param checkpoint - from {@link loadCheckpoint}.
 * @example
 * ```ts
 * disposeCheckpoint(resume);
 * ```
 */
export function disposeCheckpoint(checkpoint: TrainCheckpoint): void {
  tf.dispose([...Object.values(checkpoint.weights), ...Object.values(checkpoint.ema), ...checkpoint.optimizer]);
}
