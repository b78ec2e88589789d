import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2d, free, slice, transpose, type Info } from './wasmOps';

/**
 * `Conv2DBackpropFilter` for the wasm backend, which has none (so stock wasm cannot train a conv net).
 *
 * The filter gradient dW[kh,kw,ci,co] = Σ_{n,oh,ow} xpad[n, oh·sh+kh, ow·sw+kw, ci] · dy[n,oh,ow,co]
 * is itself a convolution: with the batch N as the contraction channel, it is the stride-1 convolution
 * of x transposed to [Ci,H,W,N] with dy transposed to [OH,OW,N,Co] dilated by the forward stride,
 * which runs in XNNPACK. Output [Ci,KH',KW',Co] (KH' ≥ KH) is cut to [Ci,KH,KW,Co] and transposed.
 */
export function conv2DBackpropFilter(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { x, dy } = args.inputs as { x: Info; dy: Info };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`robustjs wasm Conv2DBackpropFilter supports dataFormat 'NHWC' only, got '${attrs.dataFormat}'`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  const { top, left } = info.padInfo;
  // Padding after the input so that the dilated "filter" (dy) covers exactly KH rows of outputs.
  const bottom = Math.max(0, kh + (oh - 1) * sh - h - top);
  const right = Math.max(0, kw + (ow - 1) * sw - w - left);

  const xT = transpose(backend, x, [3, 1, 2, 0]); // [Ci,H,W,N]
  const dyT = transpose(backend, dy, [1, 2, 0, 3]); // [OH,OW,N,Co]
  const g = conv2d(backend, xT, dyT, [top, bottom, left, right], [sh, sw]); // [Ci,KH',KW',Co]
  free(backend, xT, dyT);
  let cut = g;
  if (g.shape[1] !== kh || g.shape[2] !== kw) {
    cut = slice(backend, g, [0, 0, 0, 0], [info.inChannels, kh, kw, info.outChannels]); // [Ci,KH,KW,Co]
    free(backend, g);
  }
  const dw = transpose(backend, cut, [1, 2, 0, 3]); // [KH,KW,Ci,Co]
  free(backend, cut);
  return dw;
}
