/**
 * MMD²_u, MMD²_b, σ²_H1 and J for large samples, block by block, never holding an n×n matrix
 * (the estimators of `mmd2.ts` and `h1Variance.ts`, rearranged as sums of blocks).
 *
 * | variable      | symbol  | meaning |
 * |---------------|---------|---------|
 * | `blockSize`   | b       | rows per block; each kernel block is at most `[b,b]` |
 * | `rowXX` etc.  | Σ_j K_ij| per-row sums of Kxx, Kyy, Kxy (off-diagonal) and column sums of Kxy, `[n]`, float64 |
 * | `diagXX` etc. | K_ii    | diagonals of Kxx, Kyy, Kxy, `[n]`, float64 |
 *
 * Steps:
 * 1. Embed x and y block by block (each sample once); keep the embeddings (O(n·E) memory).
 * 2. For each block pair (I,J) with I ≤ J of Kxx and of Kyy (symmetry: an off-diagonal block adds its row
 *    sums to rows I and its column sums to rows J), and every (I,J) of Kxy: compute the `[b,b]` block,
 *    reduce it to row sums, column sums and (I = J) its diagonal, read those back, dispose the block.
 * 3. With `H = Kxx + Kyy − Kxy − Kxyᵀ`: row sums of H are `rowXX + rowYY − rowXY − colXY` (+ diagonals);
 *    MMD²_u = Σ off-diagonal H / (n(n−1)), MMD²_b = Σ H / n², σ²_H1 = 4·mean((rowMean − mean)²),
 *    J = MMD²_u / sqrt(σ²_H1 + λ).
 *
 * Peak tensor memory is O(n·E + b²) instead of O(n²): n = 10,000, b = 1024 holds ~4 MB of kernel blocks
 * at a time where the direct path needs 3 × 400 MB.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, resolveOptions } from '@robustjs/core';
import { assertBatch, assertSameFeatures, assertSameRows } from './assertBatch';
import { assertKernel } from './kernelMatrices';
import type { Embedding, Kernel } from './types';

/** Options of {@link blockwiseMmd}. */
export interface BlockwiseMmdOptions {
  /** Rows per block b (kernel blocks are at most `[b,b]`); default 1024. */
  readonly blockSize?: number;
  /** λ of J; default 1e-8. */
  readonly lambda?: number;
}

/** What {@link blockwiseMmd} returns (plain numbers, accumulated in float64). */
export interface BlockwiseMmdResult {
  /** Unbiased MMD² (U-statistic). */
  readonly mmd2Unbiased: number;
  /** Biased MMD² (V-statistic). */
  readonly mmd2Biased: number;
  /** σ²_H1, the H1 variance of MMD²_u. */
  readonly variance: number;
  /** J = MMD²_u / sqrt(σ²_H1 + λ). */
  readonly testPower: number;
}

const DEFAULTS = { blockSize: 1024, lambda: 1e-8 } as const;

/**
 * MMD²_u, MMD²_b, σ²_H1 and J of two samples of equal size n, computed in `[b,b]` kernel blocks so that
 * no n×n tensor exists at any time (n = 10,000 needs about 3 × 4 MB of blocks instead of 3 × 400 MB).
 * Equal to {@link mmd2Unbiased}, {@link mmd2Biased}, {@link h1Variance} and {@link testPower} on the full
 * matrices up to float32 rounding. Not differentiable (it reads back every block); leaves no tensors behind.
 *
 * @param kernel - any {@link Kernel} (e.g. a trained {@link DeepKernel}); each sample is embedded once.
 * @param x - first sample `[n,...]`, float32, finite, n ≥ 2.
 * @param y - second sample `[n,...]`, same shape.
 * @param options - `blockSize` (1024), `lambda` (1e-8).
 * @returns `{ mmd2Unbiased, mmd2Biased, variance, testPower }`.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` (rank, n < 2, not a kernel), `SHAPE_MISMATCH`
 *   (feature or sample sizes differ), `NOT_FINITE` (NaN in the inputs or in a kernel block), `UNKNOWN_OPTION`,
 *   `OUT_OF_RANGE` (blockSize < 1).
 * @example
 * ```ts
 * const { mmd2Unbiased, variance } = blockwiseMmd(createGaussianKernel(64), x, y, { blockSize: 1024 });
 * ```
 */
export function blockwiseMmd(kernel: Kernel, x: tf.Tensor, y: tf.Tensor, options?: BlockwiseMmdOptions): BlockwiseMmdResult {
  const fn = 'blockwiseMmd';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  assertNumber(cfg.blockSize, 'blockSize', fn, { integer: true, min: 1 });
  assertNumber(cfg.lambda, 'lambda', fn, { greaterThan: 0 });
  assertKernel(kernel, fn);
  const why = 'the unbiased MMD² divides by n(n−1)';
  assertBatch(x, 'x', fn, { minRows: 2, why });
  assertBatch(y, 'y', fn, { minRows: 2, why });
  assertSameFeatures(x, y, ['x', 'y'], fn);
  assertSameRows(x, y, ['x', 'y'], fn, 'the unbiased MMD² and its variance');
  const n = x.shape[0] as number;
  const b = Math.min(cfg.blockSize, n);
  const starts = Array.from({ length: Math.ceil(n / b) }, (_, i) => i * b);
  const embedBlocks = (z: tf.Tensor): Embedding[] =>
    starts.map((s) => tf.tidy(() => kernel.embed(tf.slice(z, s, Math.min(b, n - s))).map((v) => tf.keep(v))));
  const ex = embedBlocks(x);
  const ey = embedBlocks(y);
  const acc = { rowXX: new Float64Array(n), rowYY: new Float64Array(n), rowXY: new Float64Array(n), colXY: new Float64Array(n) };
  const diag = { xx: new Float64Array(n), yy: new Float64Array(n), xy: new Float64Array(n) };
  const scratch = new Float64Array(n); // column sums of symmetric diagonal blocks: already counted as row sums
  let bad = 0;
  const addBlock = (a: Embedding, c: Embedding, i0: number, j0: number, rows: Float64Array, cols: Float64Array, d: Float64Array | undefined): void => {
    const ni = a[0]?.shape[0] as number;
    const nj = c[0]?.shape[0] as number;
    const packed = tf.tidy(() => {
      let k = kernel.matrix(a, c); // [ni,nj]
      const parts: tf.Tensor1D[] = [];
      if (d !== undefined) {
        const eye = tf.eye(ni); // diagonal block (ni = nj)
        parts.push(tf.sum(tf.mul(k, eye), 1)); // [ni] diagonal
        k = tf.mul(k, tf.sub(1, eye)); // off-diagonal part
      }
      return tf.concat([tf.sum(k, 1), tf.sum(k, 0), ...parts]); // [ni + nj (+ ni)]
    });
    const v = packed.dataSync() as Float32Array;
    packed.dispose();
    for (let r = 0; r < ni; r++) rows[i0 + r] = (rows[i0 + r] as number) + (v[r] as number);
    for (let s = 0; s < nj; s++) cols[j0 + s] = (cols[j0 + s] as number) + (v[ni + s] as number);
    if (d !== undefined) for (let r = 0; r < ni; r++) d[i0 + r] = v[ni + nj + r] as number;
    for (const value of v) if (!Number.isFinite(value)) bad++;
  };
  try {
    for (let I = 0; I < starts.length; I++) {
      const i0 = starts[I] as number;
      for (let J = 0; J < starts.length; J++) {
        const j0 = starts[J] as number;
        const onDiag = I === J ? 1 : 0;
        if (J >= I) {
          addBlock(ex[I] as Embedding, ex[J] as Embedding, i0, j0, acc.rowXX, onDiag ? scratch : acc.rowXX, onDiag ? diag.xx : undefined);
          addBlock(ey[I] as Embedding, ey[J] as Embedding, i0, j0, acc.rowYY, onDiag ? scratch : acc.rowYY, onDiag ? diag.yy : undefined);
        }
        addBlock(ex[I] as Embedding, ey[J] as Embedding, i0, j0, acc.rowXY, acc.colXY, onDiag ? diag.xy : undefined);
      }
    }
  } finally {
    tf.dispose([...ex, ...ey].flat());
  }
  assert(bad === 0, 'NOT_FINITE', () =>
    `'${fn}' got ${bad} NaN or infinite kernel block sum(s) from finite inputs: the kernel is not finite here. ` +
      'Check its bandwidths (σ > 0) and the featurizer.');
  let offSum = 0;
  let fullSum = 0;
  const rowMean = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const off = (acc.rowXX[i] as number) + (acc.rowYY[i] as number) - (acc.rowXY[i] as number) - (acc.colXY[i] as number);
    const onDiagonal = (diag.xx[i] as number) + (diag.yy[i] as number) - 2 * (diag.xy[i] as number);
    offSum += off;
    fullSum += off + onDiagonal;
    rowMean[i] = (off + onDiagonal) / n;
  }
  const mmd2Unbiased = offSum / (n * (n - 1));
  const mmd2Biased = fullSum / (n * n);
  const mean = fullSum / (n * n);
  let sq = 0;
  for (const r of rowMean) sq += (r - mean) * (r - mean);
  const variance = (4 * sq) / n;
  return { mmd2Unbiased, mmd2Biased, variance, testPower: mmd2Unbiased / Math.sqrt(variance + cfg.lambda) };
}
