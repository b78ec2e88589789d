// The layers of diffusers' UNet2DModel in NHWC tfjs (internal). Each mirrors one diffusers module:
// ResnetBlock2D (models/resnet.py), Attention with AttnProcessor2_0
// (models/attention_processor.py),
// Downsample2D (models/downsampling.py), Upsample2D (models/upsampling.py), get_timestep_embedding
// and TimestepEmbedding (models/embeddings.py). Parameter names are diffusers' state-dict keys.
import * as tf from '@tensorflow/tfjs';
import { groupNorm, type TorchParam } from '@robustjs/core';
import { upsample2x } from '../unet/layers';

/**
 * Where parameters come from: `shapes` records every `TorchParam` (the closures must not be
 * called); `weights` takes them from a map keyed by torch name, already in tfjs layout.
 */
export class ParamSource {
  /** Every parameter defined so far, in diffusers' registration (state-dict) order. */
  readonly params: TorchParam[] = [];
  /** @param weights - tensors by torch name in tfjs layout; `undefined`: record shapes only. */
  constructor(private readonly weights: tf.NamedTensorMap | undefined) {}

  private take(name: string, shape: number[], layout: TorchParam['layout']): tf.Tensor {
    this.params.push({ name, shape, layout });
    return (this.weights?.[name] ?? undefined) as tf.Tensor;
  }

  /** A k×k `nn.Conv2d` with bias; `pad` as PyTorch's (`'bottomRight'`: diffusers' (0,1,0,1)). */
  conv(
    name: string,
    cin: number,
    cout: number,
    k: 1 | 3,
    stride: 1 | 2 = 1,
    pad: 0 | 1 | 'bottomRight' = k === 3 ? 1 : 0
  ): (x: tf.Tensor4D) => tf.Tensor4D {
    const w = this.take(`${name}.weight`, [cout, cin, k, k], 'oihw') as tf.Tensor4D;
    const b = this.take(`${name}.bias`, [cout], 'plain') as tf.Tensor1D;
    const padding: [[number, number], [number, number], [number, number], [number, number]] =
      pad === 'bottomRight'
        ? [
            [0, 0],
            [0, 1],
            [0, 1],
            [0, 0],
          ]
        : [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ];
    // Under a tape, conv2d + add: tfjs's fused conv computes the filter gradient eagerly.
    return (x) =>
      tf.engine().isTapeOn()
        ? tf.add(tf.conv2d(x, w, stride, padding), b)
        : tf.fused.conv2d({ x, filter: w, strides: stride, pad: padding, bias: b });
  }

  /** An `nn.Linear` with bias on `[N,din]`. */
  linear(name: string, din: number, dout: number): (x: tf.Tensor2D) => tf.Tensor2D {
    const w = this.take(`${name}.weight`, [dout, din], 'linear') as tf.Tensor2D;
    const b = this.take(`${name}.bias`, [dout], 'plain');
    return (x) => tf.add(tf.matMul(x, w), b);
  }

  /** An `nn.GroupNorm(groups, c, eps)` with affine weights, optionally followed by SiLU. */
  norm(
    name: string,
    c: number,
    groups: number,
    eps: number,
    silu = false
  ): (x: tf.Tensor4D) => tf.Tensor4D {
    const gamma = this.take(`${name}.weight`, [c], 'plain') as tf.Tensor1D;
    const beta = this.take(`${name}.bias`, [c], 'plain') as tf.Tensor1D;
    return (x) => groupNorm(x, gamma, beta, groups, { eps, activation: silu ? 'silu' : 'linear' });
  }
}

/** SiLU (diffusers' `act_fn: 'silu'`): x·sigmoid(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** Settings every resnet and attention of one UNet2DModel shares. */
export interface BlockSettings {
  readonly groups: number;
  readonly eps: number;
  readonly temb: number;
}

/** A residual block: `(x [N,H,W,cin], silu(emb) [N,temb]) → [N,H,W,cout]`. */
export type Resnet = (x: tf.Tensor4D, embAct: tf.Tensor2D) => tf.Tensor4D;

/**
 * diffusers' `ResnetBlock2D` with `time_embedding_norm: 'default'`: norm1-SiLU-conv1, plus the
 * projected SiLU(time embedding), norm2-SiLU-(dropout)-conv2, plus the (1×1-conv) shortcut, all
 * divided by `outputScale`.
 */
export function resnetBlock(
  p: ParamSource,
  name: string,
  cin: number,
  cout: number,
  s: BlockSettings,
  outputScale = 1
): Resnet {
  const norm1 = p.norm(`${name}.norm1`, cin, s.groups, s.eps, true);
  const conv1 = p.conv(`${name}.conv1`, cin, cout, 3);
  const proj = p.linear(`${name}.time_emb_proj`, s.temb, cout);
  const norm2 = p.norm(`${name}.norm2`, cout, s.groups, s.eps, true);
  const conv2 = p.conv(`${name}.conv2`, cout, cout, 3);
  const shortcut = cin !== cout ? p.conv(`${name}.conv_shortcut`, cin, cout, 1) : undefined;
  return (x, embAct) => {
    const n = x.shape[0];
    const temb = tf.reshape(proj(embAct), [n, 1, 1, cout]); // [N,1,1,cout]
    const h = tf.add(conv1(norm1(x)), temb) as tf.Tensor4D;
    const y = tf.add(shortcut === undefined ? x : shortcut(x), conv2(norm2(h))) as tf.Tensor4D;
    return outputScale === 1 ? y : tf.div(y, outputScale);
  };
}

/**
 * diffusers' `Attention` as UNet2DModel builds it (`_from_deprecated_attn_block`): GroupNorm, then
 * multi-head self-attention over the H·W positions with q/k/v/out linears (`to_q`, `to_k`, `to_v`,
 * `to_out.0`), scale 1/sqrt(head dim), plus the input, divided by `outputScale`.
 */
export function attentionBlock(
  p: ParamSource,
  name: string,
  c: number,
  heads: number,
  groups: number,
  eps: number,
  outputScale = 1
): (x: tf.Tensor4D) => tf.Tensor4D {
  const norm = p.norm(`${name}.group_norm`, c, groups, eps);
  const q = p.linear(`${name}.to_q`, c, c);
  const k = p.linear(`${name}.to_k`, c, c);
  const v = p.linear(`${name}.to_v`, c, c);
  const out = p.linear(`${name}.to_out.0`, c, c);
  const d = c / heads;
  return (x) => {
    const [n, h, w] = x.shape;
    const tokens = tf.reshape(norm(x), [n * h * w, c]) as tf.Tensor2D;
    const split = (t: tf.Tensor2D): tf.Tensor3D =>
      heads === 1
        ? tf.reshape(t, [n, h * w, c])
        : tf.reshape(tf.transpose(tf.reshape(t, [n, h * w, heads, d]), [0, 2, 1, 3]), [
            n * heads,
            h * w,
            d,
          ]);
    const scores = tf.matMul(
      tf.mul(split(q(tokens)), 1 / Math.sqrt(d)),
      split(k(tokens)),
      false,
      true
    );
    const y = tf.matMul(tf.softmax(scores), split(v(tokens))); // [N·heads,HW,d]
    // [N,HW,heads,d]
    const merged =
      heads === 1 ? y : tf.transpose(tf.reshape(y, [n, heads, h * w, d]), [0, 2, 1, 3]);
    const o = tf.add(
      tf.reshape(out(tf.reshape(merged, [n * h * w, c])), [n, h, w, c]),
      x
    ) as tf.Tensor4D;
    return outputScale === 1 ? o : tf.div(o, outputScale);
  };
}

/** diffusers' `Downsample2D(use_conv=True)`: a 3×3 stride-2 conv, padding 1 or (0,1,0,1). */
export function downsample(
  p: ParamSource,
  name: string,
  c: number,
  padding: 0 | 1
): (x: tf.Tensor4D) => tf.Tensor4D {
  return p.conv(`${name}.conv`, c, c, 3, 2, padding === 0 ? 'bottomRight' : 1);
}

/** diffusers' `Upsample2D(use_conv=True)`: nearest-neighbour ×2, then a 3×3 conv. */
export function upsample(p: ParamSource, name: string, c: number): (x: tf.Tensor4D) => tf.Tensor4D {
  const conv = p.conv(`${name}.conv`, c, c, 3);
  return (x) => conv(upsample2x(x));
}

/**
 * diffusers' `get_timestep_embedding(t, dim, flip_sin_to_cos, downscale_freq_shift)`:
 * `[sin(t·f_i), cos(t·f_i)]` (or `[cos, sin]`), f_i = exp(−ln(10000)·i/(dim/2 − shift)), the
 * frequencies rounded to float32 at each step as PyTorch computes them.
 */
export function timestepEmbedding(
  t: tf.Tensor1D,
  dim: number,
  flip: boolean,
  shift: number
): tf.Tensor2D {
  const half = Math.floor(dim / 2);
  const f = Math.fround;
  const freqs = Array.from({ length: half }, (_, i) =>
    f(Math.exp(f(f(f(-Math.log(10000)) * i) / f(half - shift))))
  );
  return tf.tidy(() => {
    const times = tf.reshape(tf.cast(t, 'float32'), [-1, 1]); // [N,1]
    const args = tf.mul(times, tf.tensor2d(freqs, [1, half])); // [N,half]
    const parts = flip ? [tf.cos(args), tf.sin(args)] : [tf.sin(args), tf.cos(args)];
    const emb = tf.concat(parts, 1) as tf.Tensor2D; // [N,2·half]
    return dim % 2 === 1
      ? tf.pad(emb, [
          [0, 0],
          [0, 1],
        ])
      : emb;
  });
}
