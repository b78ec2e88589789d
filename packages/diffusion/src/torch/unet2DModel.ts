// diffusers' UNet2DModel as an NHWC tfjs NoisePredictor (the architecture: defineUnet2D.ts).
import * as tf from '@tensorflow/tfjs';
import {
  RobustError,
  assert,
  describeValue,
  type NoisePredictor,
  type TorchParam,
} from '@robustjs/core';
import { resolveDiffusersUnetConfig, type DiffusersUnetConfig } from './resolveDiffusersUnetConfig';
import { defineUnet2D } from './defineUnet2D';
import { ParamSource } from './unet2DLayers';

/** A diffusers `UNet2DModel` in tfjs (see {@link unet2DModel}). */
export interface Unet2DModel {
  /** The resolved config (diffusers' keys, defaults filled in). */
  readonly config: DiffusersUnetConfig;
  /**
   * The {@link NoisePredictor}: `xt` `[N,H,W,in_channels]` in [−1,1] (H, W divisible by
   * 2^(levels − 1)) and per-sample timesteps `t` `[N]` (int32 indices in [0, T), or float32) →
   * predicted noise `[N,H,W,out_channels]`, as diffusers' `unet(sample, t).sample` in NHWC.
   * Tidy (only the result survives); differentiable with respect to `xt`.
   */
  readonly predict: NoisePredictor;
  /** The tensors the architecture has, diffusers' state-dict names and PyTorch shapes, in order. */
  readonly params: readonly TorchParam[];
  /** Number of scalar parameters (35,746,307 for google/ddpm-cifar10-32). */
  readonly paramCount: number;
  /** Disposes the weights the model was given. */
  dispose(): void;
}

/**
 * Builds diffusers' `UNet2DModel` as an NHWC tfjs network from its `config.json` (read as is, see
 * {@link resolveDiffusersUnetConfig}) and its weights, and exposes it as a core `NoisePredictor`.
 * Implements the blocks of google/ddpm-cifar10-32 and similar checkpoints: DownBlock2D,
 * AttnDownBlock2D, UpBlock2D, AttnUpBlock2D, UNetMidBlock2D with attention, ResnetBlock2D
 * (GroupNorm, SiLU, `time_scale_shift: 'default'`), Downsample2D (conv, padding 0 or 1),
 * Upsample2D (nearest + conv), the sinusoidal `Timesteps` and the linear-SiLU-linear
 * `TimestepEmbedding`. The model takes ownership of `weights` (its `dispose()` frees them).
 *
 * @param config - a parsed diffusers `config.json` or a resolved {@link DiffusersUnetConfig}.
 * @param weights - every tensor of {@link diffusersUnetParams}, keyed by diffusers' current
 *   state-dict name, in tfjs layout (conv weights HWIO, linear weights `[in,out]`): the output
 *   of core's `importTorchTensors` (see `loadDiffusersUnet` in `@robustjs/diffusion/node`).
 * @returns the model: `predict` (`[N,H,W,C]` in [−1,1], `t` `[N]` → noise `[N,H,W,C]`),
 *   `params`, `paramCount`, `config`, `dispose`.
 * @throws {@link RobustError} as {@link resolveDiffusersUnetConfig} for the config; `NOT_FOUND`
 *   naming a missing weight; `SHAPE_MISMATCH` naming a weight of another shape or dtype;
 *   `INVALID_ARGUMENT` naming a weight the architecture does not have. `predict` throws
 *   `INVALID_ARGUMENT` / `SHAPE_MISMATCH` for `xt` not `[N,H,W,in_channels]` float32 with H, W
 *   divisible by 2^(levels − 1), or `t` not `[N]`.
 * @example
 * ```ts
 * const model = unet2DModel(config, importTorchTensors(raw, diffusersUnetParams(config), opts));
 * const eps = model.predict(xt, tf.tensor1d([100], 'int32')); // [1,32,32,3]
 * ```
 */
export function unet2DModel(
  config: DiffusersUnetConfig | Record<string, unknown>,
  weights: tf.NamedTensorMap
): Unet2DModel {
  const fn = 'unet2DModel';
  const c = resolveDiffusersUnetConfig(config, `the config passed to '${fn}'`);
  const shapes = new ParamSource(undefined);
  defineUnet2D(shapes, c);
  checkWeights(weights, shapes.params, fn);
  const p = new ParamSource(weights);
  const forward = defineUnet2D(p, c);
  const div = 2 ** (c.block_out_channels.length - 1);
  const predict: NoisePredictor = (xt, t) => {
    assert(
      xt instanceof tf.Tensor &&
        xt.rank === 4 &&
        xt.dtype === 'float32' &&
        xt.shape[3] === c.in_channels &&
        xt.shape[1] % div === 0 &&
        xt.shape[2] % div === 0,
      'INVALID_ARGUMENT',
      () =>
        `Argument 'xt' passed to the predict of '${fn}' must be ` +
        `float32 [N,H,W,${c.in_channels}] with H and W ` +
        `divisible by ${div} (2^(levels − 1)), got ${
          xt instanceof tf.Tensor ? `${xt.dtype} [${xt.shape.join(',')}]` : describeValue(xt)
        }. Resize or pad the images.`
    );
    assert(
      t instanceof tf.Tensor && t.rank === 1 && t.shape[0] === xt.shape[0],
      'SHAPE_MISMATCH',
      () =>
        `Argument 't' passed to the predict of '${fn}' must be ` +
        `[N] = [${xt.shape[0]}] (one timestep per image), ` +
        `got ${t instanceof tf.Tensor ? `[${t.shape.join(',')}]` : describeValue(t)}.`
    );
    return tf.tidy(() => forward(xt, t));
  };
  const paramCount = shapes.params.reduce((sum, q) => sum + q.shape.reduce((a, d) => a * d, 1), 0);
  return {
    config: c,
    predict,
    params: Object.freeze(shapes.params),
    paramCount,
    dispose: () => tf.dispose(Object.values(weights)),
  };
}

function checkWeights(weights: tf.NamedTensorMap, params: readonly TorchParam[], fn: string): void {
  assert(
    typeof weights === 'object' && weights !== null,
    'INVALID_ARGUMENT',
    () =>
      `Argument 'weights' passed to '${fn}' must map diffusers' tensor names to tensors, ` +
      `got ${describeValue(weights)}.`
  );
  const known = new Set<string>();
  for (const q of params) {
    known.add(q.name);
    const w = Object.prototype.hasOwnProperty.call(weights, q.name) ? weights[q.name] : undefined;
    const tfShape =
      q.layout === 'oihw'
        ? [q.shape[2], q.shape[3], q.shape[1], q.shape[0]]
        : q.layout === 'linear'
        ? [q.shape[1], q.shape[0]]
        : [...q.shape];
    if (!(w instanceof tf.Tensor) || w.isDisposed) {
      throw new RobustError(
        'NOT_FOUND',
        `Argument 'weights' passed to '${fn}' has no tensor '${q.name}' ` +
          `(tfjs shape [${tfShape.join(
            ','
          )}]). Import the checkpoint with diffusersUnetParams(config).`
      );
    }
    assert(
      w.dtype === 'float32' &&
        w.shape.length === tfShape.length &&
        w.shape.every((d, i) => d === tfShape[i]),
      'SHAPE_MISMATCH',
      () =>
        `Argument 'weights' passed to '${fn}' has '${q.name}' as ${w.dtype} ` +
        `[${w.shape.join(',')}], expected float32 [${tfShape.join(
          ','
        )}] (tfjs layout). Check the config.`
    );
  }
  const extra = Object.keys(weights).filter((k) => !known.has(k));
  assert(
    extra.length === 0,
    'INVALID_ARGUMENT',
    () =>
      `Argument 'weights' passed to '${fn}' has tensors this ` +
      `config does not have: ${extra.slice(0, 8).join(', ')}${
        extra.length > 8 ? ', …' : ''
      }. Check the config.`
  );
}
