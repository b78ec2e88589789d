import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { conv2d, free, makeFilled, runKernel, slice, view, type Info } from './wasmOps';

/** How one output phase r (positions h = r + s·m) of one spatial axis is computed. */
interface AxisPhase {
  /** First filter tap of the phase: taps c, c+s, c+2s, … contribute. */
  readonly c: number;
  /** Number of taps J (0: the phase receives no gradient). */
  readonly taps: number;
  /** Number of outputs M of the phase: m = 0 … M−1. */
  readonly outputs: number;
  /** dy rows cropped at the start and at the end before the convolution. */
  readonly cropBefore: number;
  readonly cropAfter: number;
  /** Zero padding before and after the (cropped) dy. */
  readonly padBefore: number;
  readonly padAfter: number;
}

/**
 * Phase r of an axis with input length `inLen`, dy length `outLen`, filter size `k`, stride `s` and
 * leading padding `pad`: dx[r+s·m] = Σ_j dy[base+m−j]·W[c+s·j] with c = (r+pad) mod s and
 * base = ⌊(r+pad)/s⌋, a stride-1 correlation of dy with the flipped sub-filter.
 */
function axisPhase(r: number, inLen: number, outLen: number, k: number, s: number, pad: number): AxisPhase {
  const c = (r + pad) % s;
  const base = Math.floor((r + pad) / s);
  const taps = c < k ? Math.ceil((k - c) / s) : 0;
  const outputs = r < inLen ? Math.ceil((inLen - r) / s) : 0;
  const before = taps - 1 - base;
  const cropBefore = Math.max(0, -before);
  const padBefore = Math.max(0, before);
  const after = outputs - (outLen - cropBefore) - padBefore + taps - 1;
  const cropAfter = Math.max(0, -after);
  const padAfter = Math.max(0, after);
  return { c, taps, outputs, cropBefore, cropAfter, padBefore, padAfter };
}

/**
 * A faster `Conv2DBackpropInput` for the wasm backend (the stock one is a scalar loop).
 *
 * Sub-pixel decomposition: for stride (sh,sw) the input gradient splits into sh·sw phases; phase
 * (rh,rw) is a stride-1 XNNPACK convolution of dy with the flipped, channel-swapped sub-filter of taps
 * (ch + sh·j, cw + sw·j'), so no multiply touches an inserted zero. Phases are interleaved into dx.
 * For stride 1 this is a single convolution with the flipped filter.
 */
export function conv2DBackpropInput(args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }): Info {
  const backend = args.backend as BackendWasm;
  const { dy, filter } = args.inputs as { dy: Info; filter: Info };
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    return runKernel('Conv2DBackpropInput', backend, args.inputs, attrs);
  }
  const info = tf.backend_util.computeConv2DInfo(
    attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: h, inWidth: w, outHeight: oh, outWidth: ow } = info;
  const n = info.batchSize;
  const ci = info.inChannels;
  const co = info.outChannels;
  const wSrc = view(backend, filter).slice(); // a copy: the heap view dies on the next allocation

  const phases: Array<{ rh: number; rw: number; out: Info | undefined; ph: AxisPhase; pw: AxisPhase }> = [];
  for (let rh = 0; rh < sh; rh++) {
    for (let rw = 0; rw < sw; rw++) {
      const ph = axisPhase(rh, h, oh, kh, sh, info.padInfo.top);
      const pw = axisPhase(rw, w, ow, kw, sw, info.padInfo.left);
      if (ph.outputs === 0 || pw.outputs === 0) continue;
      const hLen = oh - ph.cropBefore - ph.cropAfter;
      const wLen = ow - pw.cropBefore - pw.cropAfter;
      if (ph.taps === 0 || pw.taps === 0 || hLen <= 0 || wLen <= 0) {
        phases.push({ rh, rw, out: undefined, ph, pw });
        continue;
      }
      // Sub-filter, flipped, channels swapped: [Jh,Jw,Co,Ci].
      const sub = makeFilled(backend, [ph.taps, pw.taps, co, ci], (out) => {
        for (let a = 0; a < ph.taps; a++)
          for (let b = 0; b < pw.taps; b++) {
            const src = ((ph.c + sh * (ph.taps - 1 - a)) * kw + (pw.c + sw * (pw.taps - 1 - b))) * ci * co;
            const dst = (a * pw.taps + b) * co * ci;
            for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) out[dst + o * ci + i] = wSrc[src + i * co + o] as number;
          }
      });
      const cropped = hLen !== oh || wLen !== ow;
      const src = cropped ? slice(backend, dy, [0, ph.cropBefore, pw.cropBefore, 0], [n, hLen, wLen, co]) : dy;
      const out = conv2d(backend, src, sub, [ph.padBefore, ph.padAfter, pw.padBefore, pw.padAfter], [1, 1]); // [N,Mh,Mw,Ci]
      free(backend, sub);
      if (cropped) free(backend, src);
      phases.push({ rh, rw, out, ph, pw });
    }
  }
  const only = phases[0];
  if (sh === 1 && sw === 1 && phases.length === 1 && only?.out !== undefined) return only.out;

  const dx = backend.makeOutput([n, h, w, ci], 'float32');
  const dst = view(backend, dx);
  dst.fill(0);
  for (const { rh, rw, out, ph, pw } of phases) {
    if (out === undefined) continue;
    const src = view(backend, out);
    for (let b = 0; b < n; b++)
      for (let m = 0; m < ph.outputs; m++)
        for (let q = 0; q < pw.outputs; q++) {
          const s = ((b * ph.outputs + m) * pw.outputs + q) * ci;
          dst.set(src.subarray(s, s + ci), ((b * h + rh + sh * m) * w + rw + sw * q) * ci);
        }
  }
  for (const p of phases) if (p.out !== undefined) free(backend, p.out);
  return dx;
}
