// The architecture walk of diffusers' UNet2DModel (diffusers/src/diffusers/models/unets/unet_2d.py:
// __init__ and forward; the blocks of unets/unet_2d_blocks.py), shared by unet2DModel and
// diffusersUnetParams (internal).
import * as tf from '@tensorflow/tfjs';
import type { DiffusersUnetConfig } from './resolveDiffusersUnetConfig';
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
