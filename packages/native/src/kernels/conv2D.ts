import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import { ACTIVATION_CODES, DEFAULT_LEAKY_ALPHA, allFloat32, channelOperandSize, convParams, type ConvAttrs } from './convParams';

/** A native kernel body: the output, or undefined when this configuration must go to the previous kernel. */
export type NativeKernel = (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => Info | Info[] | undefined;

interface FusedAttrs extends ConvAttrs {
  activation?: tf.fused.Activation;
  leakyreluAlpha?: number;
}

/**
 * `Conv2D` and `FusedConv2D` (NHWC, float32): oneDNN convolution forward with the bias and activation
 * fused as post-ops. Unsupported (→ undefined): NCHW, strides and dilations both > 1, a bias that is not
 * one value per output channel, prelu slopes that are neither one value nor one per channel.
 */
export function nativeConv2D(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { x, filter, bias, preluActivationWeights: alpha } = inputs as { x: Info; filter: Info; bias?: Info; preluActivationWeights?: Info };
    const a = attrs as unknown as FusedAttrs;
    const activation = a.activation ?? 'linear';
    const code = ACTIVATION_CODES[activation];
    if (code === undefined || !allFloat32(x, filter)) return undefined;
    const params = convParams(x.shape, filter.shape, a);
    if (params === undefined) return undefined;
    const [n, , , , , , oc, oh, ow] = params as [number, number, number, number, number, number, number, number, number];
    const operands: Info[] = [x, filter];
    if (bias !== undefined) {
      if (!allFloat32(bias) || channelOperandSize(bias, oc) !== oc) return undefined;
      operands.push(bias);
    }
    let preluSize = 0;
    if (activation === 'prelu') {
      if (alpha === undefined || !allFloat32(alpha)) return undefined;
      const s = channelOperandSize(alpha, oc);
      if (s === undefined) return undefined;
      preluSize = s;
      operands.push(alpha);
    }
    const leaky = a.leakyreluAlpha ?? DEFAULT_LEAKY_ALPHA;
    return io.run(backend, operands, [n, oh, ow, oc], (views, out) => {
      const [xv, fv] = views as [Float32Array, Float32Array];
      const bv = bias !== undefined ? (views[2] as Float32Array) : null;
      const av = activation === 'prelu' ? (views[operands.length - 1] as Float32Array) : null;
      addon.conv2dForward(xv, fv, bv, av, out, params, code, leaky, preluSize);
    });
  };
}
