// Shared helpers of the native convolution and matmul kernels: tfjs attributes to addon numbers.
import * as tf from '@tensorflow/tfjs';
import type { Info } from './backendIO';

/** tfjs fused activations, as the addon encodes them. */
export const ACTIVATION_CODES: Readonly<Record<tf.fused.Activation, number>> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  elu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  prelu: 6,
};

/** tfjs's default leaky-relu slope when a fused op does not give one. */
export const DEFAULT_LEAKY_ALPHA = 0.2;

/** The attributes every tfjs 2-D convolution kernel carries. */
export interface ConvAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: [number, number] | number;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Whether every tensor is float32 and non-empty. */
export function allFloat32(...infos: Info[]): boolean {
  return infos.every((t) => t.dtype === 'float32' && t.shape.every((d) => d > 0));
}

/**
 * The addon's 17 convolution numbers for an NHWC input shape and an HWIO filter shape, or undefined for
 * a configuration the addon does not run (NCHW, rank ≠ 4, channel mismatch, strides and dilations both > 1).
 */
export function convParams(xShape: readonly number[], filterShape: readonly number[], attrs: ConvAttrs): number[] | undefined {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC' || xShape.length !== 4 || filterShape.length !== 4) return undefined;
  if (xShape[3] !== filterShape[2]) return undefined;
  const dilations = attrs.dilations ?? 1;
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, padInfo } = info;
  if ((sh > 1 || sw > 1) && (dh > 1 || dw > 1)) return undefined;
  if (info.outHeight < 1 || info.outWidth < 1 || padInfo.top < 0 || padInfo.left < 0) return undefined;
  const ekh = (info.filterHeight - 1) * dh + 1;
  const ekw = (info.filterWidth - 1) * dw + 1;
  // The bottom/right padding that makes oneDNN's output size equal tfjs's (tfjs's rounding modes can
  // give an output one row larger than its padding implies).
  const pb = Math.max(padInfo.bottom, (info.outHeight - 1) * sh + ekh - info.inHeight - padInfo.top);
  const pr = Math.max(padInfo.right, (info.outWidth - 1) * sw + ekw - info.inWidth - padInfo.left);
  if (Math.floor((info.inHeight - ekh + padInfo.top + pb) / sh) + 1 !== info.outHeight) return undefined;
  if (Math.floor((info.inWidth - ekw + padInfo.left + pr) / sw) + 1 !== info.outWidth) return undefined;
  return [
    info.batchSize, info.inHeight, info.inWidth, info.inChannels,
    info.filterHeight, info.filterWidth, info.outChannels,
    info.outHeight, info.outWidth, sh, sw, dh, dw, padInfo.top, padInfo.left, pb, pr,
  ];
}

/**
 * The size of a per-channel operand (bias or prelu slopes) of a fused op whose output has `channels`
 * in its last dimension: `channels` for shape `[..., 1, channels]`, 1 for a single value, undefined when
 * it broadcasts otherwise (the native kernel then falls back).
 */
export function channelOperandSize(info: Info, channels: number): number | undefined {
  const n = info.shape.reduce((a, b) => a * b, 1);
  if (n === 1) return 1;
  if (n === channels && info.shape[info.shape.length - 1] === channels) return channels;
  return undefined;
}
