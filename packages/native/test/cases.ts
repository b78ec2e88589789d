// Deterministic configurations for the native kernel conformance tests: convolutions (strides 1 and 2,
// same / valid / explicit padding, dilation, batch > 1, odd sizes, every fused activation) and matmuls
// (every transpose combination, batched, broadcast batches, fused bias and activations).
import * as tf from '@tensorflow/tfjs';

export type Pad = 'same' | 'valid' | tf.backend_util.ExplicitPadding;
export type Activation = tf.fused.Activation;

export interface ConvCase {
  readonly x: [number, number, number, number];
  readonly f: [number, number, number, number];
  readonly strides: [number, number];
  readonly dilations: [number, number];
  readonly pad: Pad;
  readonly activation: Activation;
  readonly bias: boolean;
  /** Shape of the prelu slopes: one per channel, or one value. */
  readonly preluShape: number[];
  /** Whether tfjs can differentiate it (tfjs has no conv gradients with dilation > 1). */
  readonly grad: boolean;
}

export interface MatMulCase {
  readonly a: number[];
  readonly b: number[];
  readonly ta: boolean;
  readonly tb: boolean;
  /** Fused form: activation, and the bias / prelu shapes (undefined: unfused BatchMatMul only). */
  readonly fused?: { activation: Activation; bias: number[] | undefined; prelu: number[] };
  /** Batch shape both operands are tiled to for the reference (stock cpu mis-broadcasts mixed batches). */
  readonly tileTo?: number[];
}

export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'prelu'];

/** A small LCG: reproducible integers in [lo, hi]. */
export function lcg(seed: number): (lo: number, hi: number) => number {
  let s = seed >>> 0;
  return (lo, hi) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return lo + ((s >>> 8) % (hi - lo + 1));
  };
}

/** Uniform values in [-1, 1) from a seed. */
export function values(size: number, seed: number): Float32Array {
  const rnd = lcg(seed);
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rnd(0, 1 << 20) / (1 << 19) - 1;
  return out;
}

export function convCases(count: number): ConvCase[] {
  const rnd = lcg(2024);
  const out: ConvCase[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 6;
    const strides: [number, number] = kind === 0 || kind === 4 ? [1, 1] : kind === 1 || kind === 3 ? [2, 2] : kind === 2 ? [2, 1] : [1, 1];
    const dilations: [number, number] = kind === 5 ? [rnd(1, 2) + 0, 2] : [1, 1];
    const kh = rnd(1, 5);
    const kw = rnd(1, 5);
    const ekh = (kh - 1) * dilations[0] + 1;
    const ekw = (kw - 1) * dilations[1] + 1;
    const h = rnd(ekh + 1, 15) | 1; // odd sizes
    const w = rnd(ekw, 14);
    const padKind = i % 3;
    const pad: Pad = padKind === 0 ? 'same' : padKind === 1 ? 'valid' : [[0, 0], [rnd(0, 2), rnd(0, 2)], [rnd(0, 2), rnd(0, 2)], [0, 0]];
    const ci = rnd(1, 8);
    const co = rnd(1, 9);
    const activation = ACTIVATIONS[i % ACTIVATIONS.length] as Activation;
    out.push({
      x: [rnd(1, 3), Math.max(h, ekh), Math.max(w, ekw), ci],
      f: [kh, kw, ci, co],
      strides,
      dilations,
      pad,
      activation,
      bias: i % 8 !== 7,
      preluShape: i % 2 === 0 ? [co] : [1],
      grad: dilations[0] === 1 && dilations[1] === 1,
    });
  }
  return out;
}

export function matMulCases(): MatMulCase[] {
  const cases: MatMulCase[] = [];
  const shape = (batch: number[], rows: number, cols: number, t: boolean): number[] => [...batch, ...(t ? [cols, rows] : [rows, cols])];
  const plain: Array<[number[], number[], number, number, number]> = [
    [[], [], 17, 9, 13],
    [[3], [3], 7, 11, 5],
    [[4], [], 9, 6, 10], // shared weights: folded into one product
    [[], [3], 5, 8, 7],
    [[1], [4], 6, 5, 9],
    [[4], [1], 6, 5, 9],
    [[2, 3], [2, 3], 4, 7, 3],
  ];
  for (const [ba, bb, m, k, n] of plain) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        cases.push({ a: shape(ba, m, k, ta), b: shape(bb, k, n, tb), ta, tb });
      }
    }
  }
  // Mixed broadcast: [2,1] with [1,3] gives a [2,3] batch.
  cases.push({ a: [2, 1, 5, 4], b: [1, 3, 4, 6], ta: false, tb: false, tileTo: [2, 3] });
  cases.push({ a: [2, 1, 4, 5], b: [1, 3, 6, 4], ta: true, tb: true, tileTo: [2, 3] });
  // Aᵀ with m > n and no bias: the kernel computes Cᵀ = op(B)ᵀ·A and transposes it (threaded, shared weights,
  // mixed broadcast with Bᵀ)
  cases.push({ a: [200, 300], b: [200, 40], ta: true, tb: false });
  cases.push({ a: [3, 12, 20], b: [12, 6], ta: true, tb: false });
  cases.push({ a: [2, 1, 9, 14], b: [1, 3, 5, 9], ta: true, tb: true, tileTo: [2, 3] });
  ACTIVATIONS.forEach((activation, i) => {
    const n = 11 + i;
    const ta = i % 2 === 1;
    const tb = i % 3 === 0;
    cases.push({
      a: shape(i % 2 === 0 ? [3] : [], 9, 7, ta),
      b: shape([], 7, n, tb),
      ta,
      tb,
      fused: { activation, bias: i === 5 ? undefined : i === 3 ? [1] : [n], prelu: i % 2 === 0 ? [n] : [1] },
    });
  });
  cases.push({ a: [2, 6, 8], b: [2, 8, 5], ta: false, tb: false, fused: { activation: 'prelu', bias: [5], prelu: [1] } });
  // random sizes (odd, 1, and a few above the 8-MFLOP threading threshold), batches, transposes, fused linear/relu + bias
  const rnd = lcg(99);
  for (let i = 0; i < 14; i++) {
    const [m, k, n] = i < 3 ? [rnd(150, 260), rnd(100, 200), rnd(150, 260)] : [rnd(1, 40), rnd(1, 40), rnd(1, 40)];
    const batch = i % 3 === 1 ? [rnd(2, 3)] : [];
    const ta = rnd(0, 1) === 1;
    const tb = rnd(0, 1) === 1;
    const fused = i % 4 === 3 ? { activation: (i % 8 === 3 ? 'relu' : 'linear') as Activation, bias: [n], prelu: [1] } : undefined;
    cases.push({ a: shape(batch, m, k, ta), b: shape(batch, k, n, tb), ta, tb, ...(fused === undefined ? {} : { fused }) });
  }
  return cases;
}

/** A group-norm configuration: input shape, groups, fused SiLU, eps. */
export interface GroupNormCase {
  readonly x: [number, number, number, number];
  readonly groups: number;
  readonly silu: boolean;
  readonly eps: number;
}

/**
 * `count` group-norm configurations: batch 1–4, odd and even spatial sizes (1×1 included), channel counts
 * 1–48 with every kind of divisor as groups (1, C, and in between), with and without SiLU, two eps values.
 */
export function groupNormCases(count: number): GroupNormCase[] {
  const rnd = lcg(4242);
  const out: GroupNormCase[] = [];
  for (let i = 0; i < count; i++) {
    const c = [1, 3, 4, 6, 8, 12, 16, 32, 48][rnd(0, 8)] as number;
    const divisors = Array.from({ length: c }, (_, j) => j + 1).filter((g) => c % g === 0);
    const groups = divisors[rnd(0, divisors.length - 1)] as number;
    const h = i === 0 ? 1 : rnd(1, 9);
    const w = i === 0 ? 1 : rnd(1, 9);
    out.push({ x: [rnd(1, 4), h, w, c], groups, silu: i % 2 === 0, eps: i % 3 === 0 ? 1e-3 : 1e-5 });
  }
  return out;
}

/** A Gaussian-kernel-matrix configuration: n × m from d-dimensional rows, σ as a number or a tensor. */
export interface GaussianGramCase {
  readonly n: number;
  readonly m: number;
  readonly d: number;
  readonly sigma: number;
  readonly sigmaTensor: boolean;
  /** b shares its first rows with a (distances of exactly 0: the clamp and its gradient). */
  readonly shared: boolean;
}

/** `count` configurations: 1×1 up to 150×130 (several row blocks), narrow and wide rows, small and large σ. */
export function gaussianGramCases(count: number): GaussianGramCase[] {
  const rnd = lcg(777);
  return Array.from({ length: count }, (_, i) => ({
    n: i === 0 ? 1 : rnd(1, 150),
    m: i === 0 ? 1 : rnd(1, 130),
    d: [1, 3, 16, 64][rnd(0, 3)] as number,
    sigma: [0.5, 4, 64][rnd(0, 2)] as number,
    sigmaTensor: i % 2 === 0,
    shared: i % 3 === 1,
  }));
}

export interface ReduceCase {
  readonly shape: number[];
  /** tfjs's axis argument: innermost axes (some negative), or null for all. */
  readonly axis: number | number[] | null;
  readonly keepDims: boolean;
}

/**
 * `count` Sum / Mean configurations the native kernel takes: rank 1–4, 4,096 to ~200,000 elements (one row of up to
 * 200k, or many short rows), the innermost 1–3 axes (as numbers, lists, negative indices) or every axis, keepDims
 * both ways.
 */
export function reduceCases(count: number): ReduceCase[] {
  const rnd = lcg(4242);
  const out: ReduceCase[] = [];
  while (out.length < count) {
    const rank = rnd(1, 4);
    const shape = Array.from({ length: rank }, () => rnd(1, rank === 1 ? 200_000 : rank === 2 ? 700 : rank === 3 ? 90 : 30));
    const size = shape.reduce((a, b) => a * b, 1);
    if (size < 4096 || size > 220_000) continue;
    const i = out.length;
    const k = rnd(1, rank);
    const inner = Array.from({ length: k }, (_, j) => rank - k + j);
    const axis = i % 5 === 0 ? null : k === 1 ? (i % 2 ? -1 : rank - 1) : i % 3 === 0 ? inner.map((a) => a - rank) : inner;
    out.push({ shape, axis, keepDims: i % 4 === 1 });
  }
  return out;
}

/** A concatenation: the parts' shapes (equal except along `axis`, each non-empty) and tfjs's axis argument. */
export interface ConcatCase {
  readonly parts: number[][];
  /** The axis, negative in some cases. */
  readonly axis: number;
}

/** Ranks 1–4, every axis (some negative), 2–4 parts; the UNet's skip connections among them. */
export function concatCases(count: number): ConcatCase[] {
  const rnd = lcg(9090);
  const out: ConcatCase[] = [
    { parts: [[2, 28, 28, 64], [2, 28, 28, 64]], axis: 3 },
    { parts: [[2, 14, 14, 128], [2, 14, 14, 64]], axis: -1 },
  ];
  while (out.length < count) {
    const rank = rnd(1, 4);
    const shape = Array.from({ length: rank }, () => rnd(1, rank === 1 ? 300 : 12));
    const k = rnd(0, rank - 1);
    const parts = Array.from({ length: rnd(2, 4) }, () => shape.map((d, j) => (j === k ? rnd(1, 9) : d)));
    out.push({ parts, axis: out.length % 3 === 0 ? k - rank : k });
  }
  return out;
}

/** A broadcasting addition: both operands' shapes (numpy rules; the output has 4,096 elements or more). */
export interface AddCase {
  readonly a: number[];
  readonly b: number[];
}

/**
 * The UNet's additions (a bias, a per-sample embedding, the ×2 upsampling, a residual), then random ones of
 * rank 1–5: each axis of one operand kept or broadcast, the shorter operand on either side.
 */
export function addCases(count: number): AddCase[] {
  const rnd = lcg(5151);
  const out: AddCase[] = [
    { a: [8, 28, 28, 32], b: [32] },
    { a: [8, 28, 28, 32], b: [8, 1, 1, 32] },
    { a: [8, 14, 1, 14, 1, 64], b: [1, 1, 2, 1, 2, 1] },
    { a: [8, 28, 28, 32], b: [8, 28, 28, 32] },
    { a: [1, 30, 1, 32], b: [8, 1, 28, 1] },
  ];
  while (out.length < count) {
    const rank = rnd(1, 5);
    const shape = Array.from({ length: rank }, () => rnd(1, rank === 1 ? 30_000 : rank === 2 ? 300 : 24));
    if (shape.reduce((p, d) => p * d, 1) < 4096) continue;
    const other = shape.map((d) => (rnd(0, 1) === 0 ? 1 : d)).slice(rnd(0, rank - 1));
    out.push(out.length % 2 === 0 ? { a: shape, b: other } : { a: other, b: shape });
  }
  return out;
}

/** A sum over axes that are not only the innermost: the shape, the axes (in tfjs's order), keepDims. */
export interface StridedSumCase {
  readonly shape: number[];
  readonly axes: number[];
  readonly keepDims: boolean;
}

/**
 * The gradients of the UNet's upsampling and of a bias, then random ones of rank 2–6 with 4,096 to ~200,000
 * elements: any non-innermost set of axes, ascending, descending or negative.
 */
export function stridedSumCases(count: number): StridedSumCase[] {
  const rnd = lcg(6262);
  const out: StridedSumCase[] = [
    { shape: [8, 14, 2, 14, 2, 64], axes: [2, 4], keepDims: false },
    { shape: [8, 28, 28, 32], axes: [0, 1, 2], keepDims: false },
  ];
  while (out.length < count) {
    const rank = rnd(2, 6);
    const shape = Array.from({ length: rank }, () => rnd(1, rank === 2 ? 500 : rank === 3 ? 60 : 16));
    const size = shape.reduce((p, d) => p * d, 1);
    if (size < 4096 || size > 220_000) continue;
    const axes = shape.map((_, j) => j).filter(() => rnd(0, 1) === 1);
    const innermost = axes.every((a, j) => a === rank - axes.length + j);
    if (axes.length === 0 || innermost) continue;
    const i = out.length;
    const order = i % 3 === 0 ? [...axes].reverse() : i % 3 === 1 ? axes.map((a) => a - rank) : axes;
    out.push({ shape, axes: order, keepDims: i % 4 === 1 });
  }
  return out;
}
