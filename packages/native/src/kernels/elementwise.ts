import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import type { NativeKernel } from './conv2D';

/** Additions smaller than this stay on the backend's own kernel (the call costs more than the pass). */
export const NATIVE_ADD_MIN_SIZE = 4096;

/** The loops of a broadcasting addition: merged output dims and each operand's element strides (0: broadcast). */
export interface BroadcastPlan {
  readonly dims: number[];
  readonly aStrides: number[];
  readonly bStrides: number[];
}

/** Row-major element strides over the dims an operand holds (`full[i]`), 0 along the others. */
function stridesOf(dims: readonly number[], full: readonly boolean[]): number[] {
  const s = dims.map(() => 0);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    if (!full[i]) continue;
    s[i] = acc;
    acc *= dims[i]!;
  }
  return s;
}

/**
 * The loops of `a + b` broadcast to `outShape` (numpy rules, already checked): output dims of size 1 dropped and
 * neighbours merged where each operand either holds both or broadcasts along both. Undefined below
 * {@link NATIVE_ADD_MIN_SIZE} output elements.
 */
export function planBroadcast(aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): BroadcastPlan | undefined {
  if (outShape.reduce((p, d) => p * d, 1) < NATIVE_ADD_MIN_SIZE) return undefined;
  const rank = outShape.length;
  const padded = (s: readonly number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const [pa, pb] = [padded(aShape), padded(bShape)];
  const dims: number[] = [];
  const fa: boolean[] = [];
  const fb: boolean[] = [];
  outShape.forEach((d, i) => {
    if (d === 1) return;
    const [ha, hb] = [pa[i] === d, pb[i] === d];
    const last = dims.length - 1;
    if (last >= 0 && fa[last] === ha && fb[last] === hb) {
      dims[last]! *= d;
      return;
    }
    dims.push(d);
    fa.push(ha);
    fb.push(hb);
  });
  return { dims, aStrides: stridesOf(dims, fa), bStrides: stridesOf(dims, fb) };
}

/**
 * `Add` of two float32 tensors, with any numpy broadcast (a bias `[C]` or a per-sample `[N,1,1,C]` on
 * `[N,H,W,C]`, the ×2 nearest upsampling `[N,H,1,W,1,C] + [1,1,2,1,2,1]`): one pass, one float addition per
 * element, so bit for bit tfjs's (whose wasm kernel walks broadcasts index by index, 3–4× slower than its
 * same-shape add). Unsupported (→ undefined): another dtype, fewer than {@link NATIVE_ADD_MIN_SIZE} elements.
 */
export function nativeAdd(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend }) => {
    const { a, b } = inputs as { a: Info; b: Info };
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return undefined;
    const outShape = tf.backend_util.assertAndGetBroadcastShape([...a.shape], [...b.shape]);
    const plan = planBroadcast(a.shape, b.shape, outShape);
    if (plan === undefined) return undefined;
    return io.run(backend, [a, b], outShape, (v, out) => addon.broadcastAdd(v[0]!, v[1]!, out, plan.dims, plan.aStrides, plan.bStrides));
  };
}
