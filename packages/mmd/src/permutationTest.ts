/**
 * Permutation two-sample test on a pooled kernel matrix (Liu et al., ICML 2020, [arXiv:2002.09116](https://arxiv.org/abs/2002.09116), §5 and
 * `TST_MMD_u`: 100 permutations of the pooled kernel matrix, α = 0.05).
 *
 * | variable      | paper symbol | meaning |
 * |---------------|--------------|---------|
 * | `k`           | K_ZZ         | pooled kernel matrix of z = [x; y], `[N,N]`, N = Nx + Ny |
 * | `nx`          | n            | rows of `k` that belong to x |
 * | `permutations`| N_per        | number of random relabellings (100) |
 * | `statistic`   | MMD²_u (or MMD²_b) | on the observed split |
 *
 * Steps:
 * 1. Read `k` once (the kernel, and any featurizer, is never re-evaluated).
 * 2. Observed statistic on the split `[0,nx) | [nx,N)`.
 * 3. For each permutation: shuffle the N indices (seeded Fisher–Yates), take the first nx as x, and
 *    compute the statistic from `k` by index, O(N²) in float64.
 * 4. `pValue = (1 + #{null ≥ observed}) / (1 + permutations)` (exact level ≤ α), `threshold` = the
 *    `⌈(1−α)(permutations+1)⌉`-th smallest null statistic, so `statistic > threshold` ⇔ `pValue ≤ α`.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions, seedStream } from '@robustjs/core';
import { assertEnoughDraws, readPooledMatrix, summariseNull } from './pooledMatrix';
import type { Mmd2Estimator, TestResult } from './types';

/** Options of {@link permutationTest}. */
export interface PermutationTestOptions {
  /** Number of permutations; default 100. Must be ≥ ⌈1/α⌉ − 1. */
  readonly permutations?: number;
  /** Level α in (0,1) used for `threshold`; default 0.05. */
  readonly alpha?: number;
  /** Seed of the permutations; default 0. Same seed, same result. */
  readonly seed?: number;
  /** `'unbiased'` (default, Liu et al.; needs Nx = Ny ≥ 2) or `'biased'` (any sizes). */
  readonly estimator?: Mmd2Estimator;
}

const DEFAULTS = { permutations: 100, alpha: 0.05, seed: 0, estimator: 'unbiased' as Mmd2Estimator } as const;

/** MMD² of the split given by `perm` (first `nx` entries are x), from the row-major pooled matrix `k`. */
type PermutedStatistic = (k: Float32Array, n: number, nx: number, perm: Int32Array, w: Float64Array) => number;

/** Σ_ab w_a w_b K_ab using symmetry (upper triangle), in float64; the inner loop is unrolled by four. */
function quadraticForm(k: Float32Array, n: number, w: Float64Array): number {
  let total = 0;
  for (let a = 0; a < n; a++) {
    const row = a * n;
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let b = a + 1;
    for (; b + 3 < n; b += 4) {
      s0 += (w[b] as number) * (k[row + b] as number);
      s1 += (w[b + 1] as number) * (k[row + b + 1] as number);
      s2 += (w[b + 2] as number) * (k[row + b + 2] as number);
      s3 += (w[b + 3] as number) * (k[row + b + 3] as number);
    }
    for (; b < n; b++) s0 += (w[b] as number) * (k[row + b] as number);
    const wa = w[a] as number;
    total += wa * (wa * (k[row + a] as number) + 2 * (s0 + s1 + s2 + s3));
  }
  return total;
}

const PERMUTED_STATISTICS: Readonly<Record<Mmd2Estimator, PermutedStatistic>> = {
  unbiased: (k, n, nx, perm, w) => {
    for (let i = 0; i < n; i++) w[perm[i] as number] = i < nx ? 1 : -1;
    let trace = 0; // tr H = Σ_i K(p_i,p_i) + K(q_i,q_i) − 2K(p_i,q_i), pairs (x_i, y_i) = (p_i, q_i)
    for (let i = 0; i < nx; i++) {
      const p = perm[i] as number;
      const q = perm[nx + i] as number;
      trace += (k[p * n + p] as number) + (k[q * n + q] as number) - 2 * (k[p * n + q] as number);
    }
    return (quadraticForm(k, n, w) - trace) / (nx * (nx - 1));
  },
  biased: (k, n, nx, perm, w) => {
    for (let i = 0; i < n; i++) w[perm[i] as number] = i < nx ? 1 / nx : -1 / (n - nx);
    return quadraticForm(k, n, w);
  },
};

/**
 * Permutation test of "x and y come from the same distribution" on the pooled kernel matrix: the
 * matrix is computed once (see {@link pooledKernelMatrix}) and only its indices are permuted, in
 * JavaScript, O(N²) per permutation. Seeded and deterministic.
 *
 * @param k - pooled kernel matrix `[Nx+Ny, Nx+Ny]` of z = [x; y] (rows `0..nx−1` are x), float32, finite.
 * @param nx - the number of rows of `k` that belong to x.
 * @param options - `permutations` (100), `alpha` (0.05), `seed` (0), `estimator` (`'unbiased'`).
 * @returns `{ statistic, pValue, threshold }`.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` (not square, dtype, bad `nx`, `'unbiased'` with
 *   Nx ≠ Ny or n < 2, unknown estimator), `NOT_FINITE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` (alpha outside
 *   (0,1), too few permutations for alpha).
 * @example
 * ```ts
 * const k = pooledKernelMatrix(createGaussianKernel(medianSqDist(x, y)), x, y);
 * const { statistic, pValue, threshold } = permutationTest(k, x.shape[0], { seed: 1 });
 * k.dispose();
 * ```
 */
export function permutationTest(k: tf.Tensor2D, nx: number, options?: PermutationTestOptions): TestResult {
  const fn = 'permutationTest';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  assertNumber(cfg.permutations, 'permutations', fn, { integer: true, min: 1 });
  assertNumber(cfg.alpha, 'alpha', fn, { greaterThan: 0 });
  assertNumber(cfg.alpha, 'alpha', fn, { max: 0.999999 });
  assertNumber(cfg.seed, 'seed', fn, { integer: true });
  assertEnoughDraws(cfg.permutations, cfg.alpha, 'permutations', fn);
  const statisticOf = Object.hasOwn(PERMUTED_STATISTICS, cfg.estimator) ? PERMUTED_STATISTICS[cfg.estimator] : undefined;
  assert(statisticOf !== undefined, 'INVALID_ARGUMENT', () =>
    `Option 'estimator' passed to '${fn}' must be one of ${Object.keys(PERMUTED_STATISTICS).map((e) => `'${e}'`).join(', ')}, got ${describeValue(cfg.estimator)}.`);
  const unbiased = cfg.estimator === 'unbiased';
  const data = readPooledMatrix(k, nx, fn, unbiased ? 2 : 1);
  const n = k.shape[0];
  assert(!unbiased || 2 * nx === n, 'INVALID_ARGUMENT', () =>
    `Argument 'nx' passed to '${fn}' must be half of the ${n} rows of 'k' for the 'unbiased' estimator (it pairs x_i with y_i), got ${nx}. ` +
      "Subsample to equal sizes, or pass { estimator: 'biased' }.");
  return permutationTestData(data, n, nx, cfg.permutations, cfg.alpha, cfg.seed, statisticOf);
}

function permutationTestData(k: Float32Array, n: number, nx: number, permutations: number, alpha: number, seed: number, statisticOf: PermutedStatistic): TestResult {
  const perm = Int32Array.from({ length: n }, (_, i) => i);
  const w = new Float64Array(n);
  const statistic = statisticOf(k, n, nx, perm, w);
  const seeds = seedStream(seed);
  const nullStats = new Float64Array(permutations);
  for (let r = 0; r < permutations; r++) {
    for (let i = n - 1; i > 0; i--) {
      const j = seeds.next() % (i + 1);
      const t = perm[i] as number;
      perm[i] = perm[j] as number;
      perm[j] = t;
    }
    nullStats[r] = statisticOf(k, n, nx, perm, w);
  }
  return summariseNull(statistic, nullStats, alpha);
}
