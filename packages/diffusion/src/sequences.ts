import { assert, assertNumber, describeValue } from '@robustjs/core';

/**
 * The per-sample denoising index sequences of SSNI (Sun et al., ICML 2025, [arXiv:2506.06027](https://arxiv.org/abs/2506.06027); code
 * `get_diffusion_params`): for each sample with
 * timestep `t_i`, `grid_i = max(ceil(linspace(0, t_i, K+1)) − 1, 0)` and `seq_i = grid_i[1:]` (K nondecreasing
 * entries ending at `t_i − 1`). Column `j` holds every sample's `seq_i[j]`; the reverse loop runs j = K−1 … 0
 * stepping from column j to column j−1 (−1 after column 0). Repeated indices are identity steps, so a sample
 * with `t_i < K` gets `max(1, t_i)` distinct steps while the batch shares one network call per column.
 * With equal `t_i = t*` divisible by K this is Lee & Kim's `[d−1, 2d−1, …, t*−1]`, `d = t* / K`.
 *
 * @param t - per-sample timesteps t_i ≥ 0 (the noise is injected at index `max(t_i − 1, 0)`).
 * @param K - the common number of steps, ≥ 1.
 * @returns K columns, each an `Int32Array` of length N.
 * @throws RobustError for K < 1 or negative / non-integer timesteps.
 * @example
 * ```ts
 * stepMatrix([100], 20).map((c) => c[0]); // [4, 9, 14, …, 99]
 * ```
 */
export function stepMatrix(t: ArrayLike<number>, K: number): Int32Array[] {
  const fn = 'stepMatrix';
  assertNumber(K, 'K', fn, { integer: true, min: 1 });
  const n = t.length;
  const cols = Array.from({ length: K }, () => new Int32Array(n));
  for (let i = 0; i < n; i++) {
    const ti = t[i]!;
    assert(Number.isInteger(ti) && ti >= 0, 'OUT_OF_RANGE', () =>
      `Argument 't' passed to '${fn}' must hold integers ≥ 0, got ${describeValue(ti)} at sample ${i}.`);
    for (let j = 0; j < K; j++) {
      // linspace(0, t, K+1)[j+1] = t·(j+1)/K; the tiny offset guards float error before ceil
      const v = Math.ceil((ti * (j + 1)) / K - 1e-9) - 1;
      cols[j]![i] = Math.max(v, 0);
    }
  }
  return cols;
}

/**
 * The (from, to) index pairs of the reverse loop over a {@link stepMatrix}: pair k (k = 0 … K−1) goes from column
 * K−1−k to column K−2−k, the last pair to −1.
 *
 * @param cols - the step matrix.
 * @returns K pairs of per-sample index arrays.
 * @example
 * ```ts
 * const pairs = stepPairs(stepMatrix([10, 4], 5));
 * ```
 */
export function stepPairs(cols: readonly Int32Array[]): { from: Int32Array; to: Int32Array }[] {
  const K = cols.length;
  const out: { from: Int32Array; to: Int32Array }[] = [];
  for (let j = K - 1; j >= 0; j--) {
    const from = cols[j]!;
    const to = j > 0 ? cols[j - 1]! : new Int32Array(from.length).fill(-1);
    out.push({ from, to });
  }
  return out;
}

/**
 * The noise-injection index of each sample: `max(t_i − 1, 0)` (SSNI's code: "t* means noise to index t*−1").
 *
 * @param t - per-sample timesteps.
 * @returns the indices.
 * @example
 * ```ts
 * noiseIndices([100, 0]); // Int32Array [99, 0]
 * ```
 */
export function noiseIndices(t: ArrayLike<number>): Int32Array {
  return Int32Array.from(t, (v) => Math.max(v - 1, 0));
}
