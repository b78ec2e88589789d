// Loads a diffusers UNet2DModel folder (config.json + diffusion_pytorch_model.safetensors),
// Node only.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, describeValue, importTorchTensors } from '@robustjs/core';
import { readTorchCheckpoint } from '@robustjs/core/node';
import { diffusersUnetParams, type DiffusersAttentionNaming } from './diffusersUnetParams';
import { resolveDiffusersUnetConfig } from './resolveDiffusersUnetConfig';
import { unet2DModel, type Unet2DModel } from './unet2DModel';

/** The two files of a diffusers model, for {@link loadDiffusersUnet}. */
export interface DiffusersUnetFiles {
  /** Path of `config.json`. */
  readonly config: string;
  /** Path of the weights as safetensors (`diffusion_pytorch_model.safetensors`). */
  readonly weights: string;
}

const LEGACY_KEY = /\.attentions\.\d+\.(query|key|value|proj_attn)\.(weight|bias)$/;

/**
 * Loads a diffusers `UNet2DModel` saved by `save_pretrained` (e.g. the `unet` folder of
 * google/ddpm-cifar10-32) into tfjs: reads `config.json` as is, reads the safetensors weights,
 * checks every tensor's name, shape and dtype against the config (both diffusers' current
 * attention names `to_q/to_k/to_v/to_out.0` and the legacy `query/key/value/proj_attn` are
 * accepted, as diffusers does), transposes them to tfjs layout and builds {@link unet2DModel}.
 * A `.pth`/`.bin` pickle is refused with the conversion command (core's `readTorchCheckpoint`).
 *
 * @param source - a folder holding `config.json` and `diffusion_pytorch_model.safetensors`, or
 *   `{config, weights}` paths ({@link DiffusersUnetFiles}).
 * @returns the model; call `dispose()` when done.
 * @throws RobustError `NOT_FOUND` for a missing file or tensor; `CORRUPT_FILE` naming the
 *   file for a config that is not JSON or a truncated or malformed safetensors file;
 *   `SHAPE_MISMATCH` naming the file and tensor for a tensor of another shape or a non-float
 *   dtype; `INVALID_ARGUMENT` naming the file and tensors for tensors the config does not have (a
 *   checkpoint of another architecture) or a pickled `.pth`; the config's errors as
 *   {@link resolveDiffusersUnetConfig}.
 * @example
 * ```ts
 * const unet = await loadDiffusersUnet('models/ddpm-cifar10-32/unet');
 * const eps = unet.predict(xt, tf.fill([1], 100, 'int32')); // xt [1,32,32,3] in [−1,1]
 * unet.dispose();
 * ```
 */
export async function loadDiffusersUnet(source: string | DiffusersUnetFiles): Promise<Unet2DModel> {
  const fn = 'loadDiffusersUnet';
  const files =
    typeof source === 'string'
      ? {
          config: join(source, 'config.json'),
          weights: join(source, 'diffusion_pytorch_model.safetensors'),
        }
      : source;
  assert(
    typeof files === 'object' &&
      files !== null &&
      typeof files.config === 'string' &&
      typeof files.weights === 'string',
    'INVALID_ARGUMENT',
    () =>
      `Argument 'source' passed to '${fn}' must be a folder path or {config, weights} paths, ` +
      `got ${describeValue(source)}.`
  );
  const config = resolveDiffusersUnetConfig(await readJson(files.config, fn), files.config);
  const raw = await readTorchCheckpoint(files.weights);
  let weights: tf.NamedTensorMap;
  try {
    const naming: DiffusersAttentionNaming = Object.keys(raw).some((k) => LEGACY_KEY.test(k))
      ? 'legacy'
      : 'current';
    const expected = diffusersUnetParams(config, naming);
    const imported = importTorchTensors(raw, expected, {
      file: files.weights,
      architecture: `diffusers UNet2DModel (${files.config})`,
    });
    // keyed by diffusers' current names, as unet2DModel takes them (same order in both namings)
    weights = Object.create(null) as tf.NamedTensorMap;
    diffusersUnetParams(config, 'current').forEach((p, i) => {
      weights[p.name] = imported[(expected[i] as { name: string }).name] as tf.Tensor;
    });
  } finally {
    tf.dispose(raw);
  }
  return unet2DModel(config, weights);
}

async function readJson(path: string, fn: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code === 'ENOENT' ? 'NOT_FOUND' : 'IO_ERROR';
    throw new RobustError(
      code,
      `'${fn}' cannot read the config '${path}': ${(cause as Error).message}. ` +
        'Pass the folder of a diffusers UNet2DModel ' +
        '(config.json + diffusion_pytorch_model.safetensors).',
      { cause }
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new RobustError(
      'CORRUPT_FILE',
      `'${fn}': the config '${path}' is not valid JSON (${String(cause)}). ` + 'Download it again.',
      { cause }
    );
  }
}
