/**
 * Wild-bootstrap two-sample test (Chwialkowski et al. 2014; DK-for-TST / DAD `utils.py::bootsrap_null`,
 * historical in DAD).
 *
 * | variable      | paper symbol | meaning |
 * |---------------|--------------|---------|
 * | `k`           | K_ZZ         | pooled kernel matrix `[2n,2n]` of z = [x; y] |
 * | `m`           | M            | `Kxx + Kyy − Kxy − Kyx` `[n,n]` (same quadratic forms as `Kxx + Kyy − 2Kxy`) |
 * | `lengthScale` | ln           | AR(1) time scale (0.2): a = exp(−1/ln), innovations N(0, 1 − exp(−2/ln)) |
 * | `draws`       | N_per        | bootstrap draws (100) |
 *
 * Steps:
 * 1. `statistic = mean(M)` (MMD²_b).
 * 2. For each draw: AR(1) multipliers p_t = a·p_{t−1} + w_t (p_0 ~ N(0,1), stationary), `c = p − mean(p)`,
 *    null statistic `cᵀ M c / n²`.
 * 3. p-value and threshold as in {@link permutationTest}.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import { assertEnoughDraws, readPooledMatrix, summariseNull } from './pooledMatrix';
import type { TestResult } from './types';

/** Options of {@link wildBootstrap}. */
export interface WildBootstrapOptions {
  /** Number of bootstrap draws; default 100. */
  readonly draws?: number;
  /** Level α in (0,1) used for `threshold`; default 0.05. */
  readonly alpha?: number;
  /** Seed of the multipliers; default 0. */
  readonly seed?: number;
  /** AR(1) time scale `ln` > 0; default 0.2 (a = exp(−5): nearly independent multipliers). */
  readonly lengthScale?: number;
}

const DEFAULTS = { draws: 100, alpha: 0.05, seed: 0, lengthScale: 0.2 } as const;

/**
 * Wild-bootstrap test on the pooled kernel matrix of two samples of equal size n, with the biased
 * statistic MMD²_b. Computes in JavaScript, O(n²) per draw; seeded and deterministic (the multipliers are
 * drawn in JavaScript, so the result does not depend on the tfjs backend).
 *
 * @param k - pooled kernel matrix `[2n,2n]` of z = [x; y], float32, finite.
 * @param nx - n, the rows of `k` that belong to x (half of them).
 * @param options - `draws` (100), `alpha` (0.05), `seed` (0), `lengthScale` (0.2).
 * @returns `{ statistic, pValue, threshold }`.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` (not square, `nx` not half, dtype), `NOT_FINITE`,
 *   `UNKNOWN_OPTION`, `OUT_OF_RANGE`.
 * @example
 * ```ts
 * const { pValue } = wildBootstrap(pooledKernelMatrix(kernel, x, y), x.shape[0], { seed: 3 });
 * ```
 */
export function wildBootstrap(k: tf.Tensor2D, nx: number, options?: WildBootstrapOptions): TestResult {
  const fn = 'wildBootstrap';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  assertNumber(cfg.draws, 'draws', fn, { integer: true, min: 1 });
  assertNumber(cfg.alpha, 'alpha', fn, { greaterThan: 0 });
  assertNumber(cfg.alpha, 'alpha', fn, { max: 0.999999 });
  assertNumber(cfg.seed, 'seed', fn, { integer: true });
  assertNumber(cfg.lengthScale, 'lengthScale', fn, { greaterThan: 0 });
  assertEnoughDraws(cfg.draws, cfg.alpha, 'draws', fn);
  const data = readPooledMatrix(k, nx, fn, 1);
  const size = k.shape[0];
  assert(2 * nx === size, 'INVALID_ARGUMENT', () =>
    `Argument 'nx' passed to '${fn}' must be half of the ${size} rows of 'k' (the wild bootstrap pairs x_i with y_i), got ${nx}. Subsample to equal sizes.`);
  const n = nx;
  const m = new Float64Array(n * n); // M_ij = Kxx + Kyy − Kxy − Kyx
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = (data[i * size + j] as number) + (data[(n + i) * size + n + j] as number)
        - (data[i * size + n + j] as number) - (data[(n + i) * size + j] as number);
      m[i * n + j] = v;
      total += v;
    }
  }
  const statistic = total / (n * n);
  const a = Math.exp(-1 / cfg.lengthScale);
  const sd = Math.sqrt(1 - Math.exp(-2 / cfg.lengthScale));
  const seeds = seedStream(cfg.seed);
  const normal = (): number => {
    const u1 = ((seeds.next() as number) + 0.5) / 2147483648;
    const u2 = (seeds.next() as number) / 2147483648;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  };
  const c = new Float64Array(n);
  const nullStats = new Float64Array(cfg.draws);
  for (let r = 0; r < cfg.draws; r++) {
    let p = normal();
    let mean = 0;
    for (let t = 0; t < n; t++) {
      if (t > 0) p = a * p + sd * normal();
      c[t] = p;
      mean += p / n;
    }
    for (let t = 0; t < n; t++) c[t] = (c[t] as number) - mean;
    let q = 0;
    for (let i = 0; i < n; i++) {
      let acc = 0;
      for (let j = 0; j < n; j++) acc += (m[i * n + j] as number) * (c[j] as number);
      q += (c[i] as number) * acc;
    }
    nullStats[r] = q / (n * n);
  }
  return summariseNull(statistic, nullStats, cfg.alpha);
}
