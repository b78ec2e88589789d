// The layers of Score-SDE's NCSN++ (models/layerspp.py, models/layers.py) in NHWC, over weights
// already in tfjs layout and keyed by torch name (internal).
import * as tf from '@tensorflow/tfjs';
import { groupNorm } from '@robustjs/core';
import { upsample2x } from '../unet/layers';
import { ddpmppGroups, type DdpmppModule } from './ddpmppModules';

/** Looks a weight up by torch name (the names were checked before any layer runs). */
export type WeightLookup = (name: string) => tf.Tensor;

const SQRT2 = Math.SQRT2;

/**
 * A stride-1 'same' convolution with bias (PyTorch's 3×3 padding 1, or 1×1). Under a gradient tape
 * an unfused conv2d + add (the fused op's gradient computes the filter and bias gradients eagerly,
 * and fails on wasm); without one, `tf.fused.conv2d`.
 */
export function convLayer(w: WeightLookup, name: string): (x: tf.Tensor4D) => tf.Tensor4D {
  const filter = w(`${name}.weight`) as tf.Tensor4D;
  const bias = w(`${name}.bias`) as tf.Tensor1D;
  return (x) =>
    tf.engine().isTapeOn()
      ? tf.add(tf.conv2d(x, filter, 1, 'same'), bias)
      : tf.fused.conv2d({ x, filter, strides: 1, pad: 'same', bias });
}

/** `nn.Linear` with its weight as `[in,out]`. */
export function denseLayer(w: WeightLookup, name: string): (x: tf.Tensor2D) => tf.Tensor2D {
  const kernel = w(`${name}.weight`) as tf.Tensor2D;
  const bias = w(`${name}.bias`);
  return (x) => tf.add(tf.matMul(x, kernel), bias);
}

/** `nn.GroupNorm(min(ch // 4, 32), ch, eps=1e-6)`, SiLU fused when asked. */
export function normLayer(
  w: WeightLookup,
  name: string,
  ch: number,
  activation: 'linear' | 'silu',
): (x: tf.Tensor4D) => tf.Tensor4D {
  const gamma = w(`${name}.weight`) as tf.Tensor1D;
  const beta = w(`${name}.bias`) as tf.Tensor1D;
  return (x) => groupNorm(x, gamma, beta, ddpmppGroups(ch), { eps: 1e-6, activation });
}

/** `naive_downsample_2d`: the mean of each 2×2 patch. */
function downsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.mean(tf.reshape(x, [n, h / 2, 2, w / 2, 2, c]), [2, 4]); // [N,H/2,W/2,C]
}

/**
 * `ResnetBlockBigGANpp` without FIR: h = Conv_0(resample(silu(GN_0(x)))) + Dense_0(silu(temb)),
 * h = Conv_1(silu(GN_1(h))) (dropout is the identity at evaluation), x = Conv_2(resample(x)) when
 * the channels change or it resamples, out = (x + h)/√2 with skip_rescale.
 */
export function resBlock(
  w: WeightLookup,
  p: string,
  m: Extract<DdpmppModule, { kind: 'res' }>,
  skipRescale: boolean,
  conditional: boolean,
): (x: tf.Tensor4D, actTemb?: tf.Tensor2D) => tf.Tensor4D {
  const gn0 = normLayer(w, `${p}.GroupNorm_0`, m.cin, 'silu');
  const conv0 = convLayer(w, `${p}.Conv_0`);
  const dense0 = conditional ? denseLayer(w, `${p}.Dense_0`) : undefined;
  const gn1 = normLayer(w, `${p}.GroupNorm_1`, m.cout, 'silu');
  const conv1 = convLayer(w, `${p}.Conv_1`);
  const conv2 = m.cin !== m.cout || m.resample !== 'none' ? convLayer(w, `${p}.Conv_2`) : undefined;
  const resample =
    m.resample === 'up' ? upsample2x : m.resample === 'down' ? downsample2x : undefined;
  return (x, actTemb) => {
    let h = gn0(x);
    let skip = x;
    if (resample !== undefined) {
      h = resample(h);
      skip = resample(x);
    }
    h = conv0(h);
    if (dense0 !== undefined && actTemb !== undefined) {
      h = tf.add(h, tf.reshape(dense0(actTemb), [h.shape[0], 1, 1, m.cout])); // [N,1,1,Cout]
    }
    h = conv1(gn1(h));
    if (conv2 !== undefined) skip = conv2(skip);
    const sum: tf.Tensor4D = tf.add(skip, h);
    return skipRescale ? tf.div(sum, SQRT2) : sum;
  };
}

/** `NIN`: x·W + b over channels, W `[in,out]`. */
function ninLayer(w: WeightLookup, name: string): (x: tf.Tensor2D) => tf.Tensor2D {
  const kernel = w(`${name}.W`) as tf.Tensor2D;
  const bias = w(`${name}.b`);
  return (x) => tf.add(tf.matMul(x, kernel), bias);
}

/**
 * `AttnBlockpp`: single-head self-attention over all positions, q, k, v and the output as NIN
 * layers of GN_0(x), weights softmax(q·kᵀ/√C), out = (x + NIN_3(w·v))/√2 with skip_rescale.
 */
export function attnBlock(
  w: WeightLookup,
  p: string,
  ch: number,
  skipRescale: boolean,
): (x: tf.Tensor4D) => tf.Tensor4D {
  const gn = normLayer(w, `${p}.GroupNorm_0`, ch, 'linear');
  const [q, k, v, o] = [0, 1, 2, 3].map((j) => ninLayer(w, `${p}.NIN_${j}`)) as [
    ReturnType<typeof ninLayer>,
    ReturnType<typeof ninLayer>,
    ReturnType<typeof ninLayer>,
    ReturnType<typeof ninLayer>,
  ];
  return (x) => {
    const [n, hh, ww] = x.shape;
    const tokens = tf.reshape(gn(x), [n * hh * ww, ch]) as tf.Tensor2D; // [N·HW,C]
    const seq = (t: tf.Tensor2D): tf.Tensor3D => tf.reshape(t, [n, hh * ww, ch]); // [N,HW,C]
    const logits = tf.mul(tf.matMul(seq(q(tokens)), seq(k(tokens)), false, true), ch ** -0.5);
    const att = tf.matMul(tf.softmax(logits), seq(v(tokens))); // [N,HW,C]
    const h = tf.reshape(o(tf.reshape(att, [n * hh * ww, ch]) as tf.Tensor2D), [n, hh, ww, ch]);
    const sum: tf.Tensor4D = tf.add(x, h);
    return skipRescale ? tf.div(sum, SQRT2) : sum;
  };
}

/**
 * `layers.get_timestep_embedding(labels, dim)`: `[sin(l·f_i), cos(l·f_i)]` with
 * `f_i = exp(−i·ln(10000)/(dim/2 − 1))`, i = 0 … dim/2 − 1 (note the − 1, unlike the UNet's).
 */
export function timestepEmbedding(labels: tf.Tensor1D, dim: number): tf.Tensor2D {
  const half = dim / 2;
  // float32 steps as PyTorch takes them: arange(half, float32) * −scale, then exp
  const scale = Math.fround(-Math.log(10000) / (half - 1));
  const freqs = tf.tensor2d(
    Float32Array.from({ length: half }, (_, i) => Math.exp(Math.fround(i * scale))),
    [1, half],
  );
  const args = tf.mul(tf.reshape(labels, [-1, 1]), freqs); // [N,half]
  return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D; // [N,dim]
}
