import type * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from '../loadNative';
import type { BackendIO, Info } from './backendIO';
import type { NativeKernel } from './conv2D';
import { ACTIVATION_CODES, DEFAULT_LEAKY_ALPHA, allFloat32, channelOperandSize } from './convParams';

/** How a batched product is handed to the addon. */
interface MatMulPlan {
  batchA: number[];
  batchB: number[];
  m: number;
  k: number;
  n: number;
  outShape: number[];
}

const product = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/**
 * Batch dimensions, broadcast as tfjs does, collapsed where the memory layout allows: a weight matrix
 * shared by the whole batch folds the batch into the rows of `a` (one large product instead of many).
 */
export function planMatMul(aShape: readonly number[], bShape: readonly number[], ta: boolean, tb: boolean): MatMulPlan | undefined {
  const ra = aShape.length;
  const rb = bShape.length;
  if (ra < 2 || rb < 2) return undefined;
  const m = (ta ? aShape[ra - 1] : aShape[ra - 2]) as number;
  const k = (ta ? aShape[ra - 2] : aShape[ra - 1]) as number;
  const kb = (tb ? bShape[rb - 1] : bShape[rb - 2]) as number;
  const n = (tb ? bShape[rb - 2] : bShape[rb - 1]) as number;
  if (k !== kb) return undefined;
  const r = Math.max(ra, rb) - 2;
  const pad = (s: readonly number[]): number[] => [...new Array<number>(r - s.length).fill(1), ...s];
  const ba = pad(aShape.slice(0, -2));
  const bb = pad(bShape.slice(0, -2));
  const outBatch: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = ba[i] as number;
    const y = bb[i] as number;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    outBatch.push(Math.max(x, y));
  }
  const outShape = [...outBatch, m, n];
  const sa = product(ba);
  const sb = product(bb);
  if (sb === 1 && !ta) return { batchA: [], batchB: [], m: sa * m, k, n, outShape }; // [sa·m, k]·[k, n]
  if (sa === 1 && sb === 1) return { batchA: [], batchB: [], m, k, n, outShape };
  if (sa === 1) return { batchA: [1], batchB: [sb], m, k, n, outShape };
  if (sb === 1) return { batchA: [sa], batchB: [1], m, k, n, outShape };
  if (ba.every((x, i) => x === bb[i])) return { batchA: [sa], batchB: [sb], m, k, n, outShape };
  return { batchA: ba, batchB: bb, m, k, n, outShape };
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
  activation?: tf.fused.Activation;
  leakyreluAlpha?: number;
}

/**
 * `BatchMatMul` and `_FusedMatMul` (float32): oneDNN matmul with transposed operands described by
 * strides (never materialised), broadcast batch dimensions, and the bias and activation as post-ops.
 * Unsupported (→ undefined): a bias or prelu slopes that are neither one value nor one per column.
 */
export function nativeMatMul(addon: NativeAddon, io: BackendIO): NativeKernel {
  return ({ inputs, backend, attrs }) => {
    const { a, b, bias, preluActivationWeights: alpha } = inputs as { a: Info; b: Info; bias?: Info; preluActivationWeights?: Info };
    const at = attrs as unknown as MatMulAttrs;
    const activation = at.activation ?? 'linear';
    const code = ACTIVATION_CODES[activation];
    if (code === undefined || !allFloat32(a, b)) return undefined;
    const plan = planMatMul(a.shape, b.shape, at.transposeA, at.transposeB);
    if (plan === undefined) return undefined;
    const operands: Info[] = [a, b];
    let biasSize = 0;
    if (bias !== undefined) {
      const s = allFloat32(bias) ? channelOperandSize(bias, plan.n) : undefined;
      if (s === undefined) return undefined;
      biasSize = s;
      operands.push(bias);
    }
    let preluSize = 0;
    if (activation === 'prelu') {
      const s = alpha !== undefined && allFloat32(alpha) ? channelOperandSize(alpha, plan.n) : undefined;
      if (s === undefined || alpha === undefined) return undefined;
      preluSize = s;
      operands.push(alpha);
    }
    const leaky = at.leakyreluAlpha ?? DEFAULT_LEAKY_ALPHA;
    return io.run(backend, operands, plan.outShape, (views, out) => {
      const bv = bias !== undefined ? (views[2] as Float32Array) : null;
      const av = activation === 'prelu' ? (views[operands.length - 1] as Float32Array) : null;
      addon.matMul(
        views[0] as Float32Array, views[1] as Float32Array, bv, av, out,
        plan.batchA, plan.batchB, plan.m, plan.k, plan.n, at.transposeA, at.transposeB, code, leaky, biasSize, preluSize,
      );
    });
  };
}
