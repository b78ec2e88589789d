// diffusers' UNet2DModel (diffusers/src/diffusers/models/unets/unet_2d.py: __init__ and forward;
// the blocks of unets/unet_2d_blocks.py) as an NHWC tfjs NoisePredictor.
import * as tf from '@tensorflow/tfjs';
import {
  RobustError,
  assert,
  describeValue,
  type NoisePredictor,
  type TorchParam,
} from '@robustjs/core';
import { resolveDiffusersUnetConfig, type DiffusersUnetConfig } from './resolveDiffusersUnetConfig';
import {
  ParamSource,
  attentionBlock,
  downsample,
  resnetBlock,
  silu,
  timestepEmbedding,
  upsample,
  type BlockSettings,
  type Resnet,
} from './unet2DLayers';

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

type Forward = (x: tf.Tensor4D, embAct: tf.Tensor2D) => tf.Tensor4D;
type Block = (h: tf.Tensor4D, embAct: tf.Tensor2D, skips: tf.Tensor4D[]) => tf.Tensor4D;

/** Walks diffusers' UNet2DModel.__init__, defining every parameter on `p`; returns the forward. */
export function defineUnet2D(
  p: ParamSource,
  c: DiffusersUnetConfig
): (x: tf.Tensor4D, t: tf.Tensor1D) => tf.Tensor4D {
  const b = c.block_out_channels;
  const levels = b.length;
  const b0 = b[0] as number;
  const s: BlockSettings = {
    groups: c.norm_num_groups,
    eps: c.norm_eps,
    temb: c.time_embedding_dim ?? 4 * b0,
  };
  const heads = (ch: number): number => ch / (c.attention_head_dim ?? ch);
  const convIn = p.conv('conv_in', c.in_channels, b0, 3);
  const lin1 = p.linear('time_embedding.linear_1', b0, s.temb);
  const lin2 = p.linear('time_embedding.linear_2', s.temb, s.temb);
  const down: Block[] = [];
  let out = b0;
  c.down_block_types.forEach((type, i) => {
    const cin = out;
    out = b[i] as number;
    const name = `down_blocks.${i}`;
    const attns =
      type === 'AttnDownBlock2D'
        ? Array.from({ length: c.layers_per_block }, (_, j) =>
            attentionBlock(p, `${name}.attentions.${j}`, out, heads(out), s.groups, s.eps)
          )
        : [];
    const resnets = Array.from({ length: c.layers_per_block }, (_, j) =>
      resnetBlock(p, `${name}.resnets.${j}`, j === 0 ? cin : out, out, s)
    );
    const ds =
      i < levels - 1
        ? downsample(p, `${name}.downsamplers.0`, out, c.downsample_padding)
        : undefined;
    down.push((h, e, skips) => {
      resnets.forEach((r, j) => {
        h = r(h, e);
        const a = attns[j];
        if (a !== undefined) h = a(h);
        skips.push(h);
      });
      if (ds !== undefined) skips.push((h = ds(h)));
      return h;
    });
  });
  const mid = c.mid_block_type === null ? undefined : midBlock(p, c, s, heads);
  const rev = [...b].reverse();
  const up: Block[] = [];
  out = rev[0] as number;
  c.up_block_types.forEach((type, i) => {
    const prev = out;
    out = rev[i] as number;
    const cin = rev[Math.min(i + 1, levels - 1)] as number;
    const n = c.layers_per_block + 1;
    const name = `up_blocks.${i}`;
    const attns =
      type === 'AttnUpBlock2D'
        ? Array.from({ length: n }, (_, j) =>
            attentionBlock(p, `${name}.attentions.${j}`, out, heads(out), s.groups, s.eps)
          )
        : [];
    const resnets = Array.from({ length: n }, (_, j) =>
      resnetBlock(
        p,
        `${name}.resnets.${j}`,
        (j === 0 ? prev : out) + (j === n - 1 ? cin : out),
        out,
        s
      )
    );
    const us = i < levels - 1 ? upsample(p, `${name}.upsamplers.0`, out) : undefined;
    up.push((h, e, skips) => {
      resnets.forEach((r, j) => {
        h = r(tf.concat([h, skips.pop() as tf.Tensor4D], 3), e); // [N,H,W,C+Cskip] → [N,H,W,out]
        const a = attns[j];
        if (a !== undefined) h = a(h);
      });
      return us === undefined ? h : us(h);
    });
  });
  const normOut = p.norm('conv_norm_out', b0, c.norm_num_groups, c.norm_eps, true);
  const convOut = p.conv('conv_out', b0, c.out_channels, 3);
  return (x, t) => {
    const proj = timestepEmbedding(t, b0, c.flip_sin_to_cos, c.freq_shift); // [N,b0]
    const emb = lin2(silu(lin1(proj))); // [N,temb]
    const embAct = silu(emb); // each ResnetBlock2D applies SiLU to it before its projection
    let h = convIn(c.center_input_sample ? tf.sub(tf.mul(x, 2), 1) : x);
    const skips: tf.Tensor4D[] = [h];
    for (const block of down) h = block(h, embAct, skips);
    if (mid !== undefined) h = mid(h, embAct);
    for (const block of up) h = block(h, embAct, skips);
    return convOut(normOut(h));
  };
}

/** diffusers' UNetMidBlock2D (one attention, `output_scale_factor = mid_block_scale_factor`). */
function midBlock(
  p: ParamSource,
  c: DiffusersUnetConfig,
  s: BlockSettings,
  heads: (ch: number) => number
): Forward {
  const ch = c.block_out_channels[c.block_out_channels.length - 1] as number;
  const scale = c.mid_block_scale_factor;
  const attn = c.add_attention
    ? attentionBlock(
        p,
        'mid_block.attentions.0',
        ch,
        heads(ch),
        c.attn_norm_num_groups ?? c.norm_num_groups,
        c.norm_eps,
        scale
      )
    : undefined;
  const resnets: Resnet[] = [0, 1].map((j) =>
    resnetBlock(p, `mid_block.resnets.${j}`, ch, ch, s, scale)
  );
  return (h, e) => {
    h = (resnets[0] as Resnet)(h, e);
    if (attn !== undefined) h = attn(h);
    return (resnets[1] as Resnet)(h, e);
  };
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
