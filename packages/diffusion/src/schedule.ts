import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';

/**
 * A discrete noise schedule as plain data: `betas[i]`, `alphas[i] = 1 − betas[i]` and
 * `alphasCumprod[i] = ∏_{j ≤ i} alphas[j]` for indices `i = 0 … T−1` (float64).
 * By convention `ᾱ_{−1} = 1` (see {@link alphaBar}).
 */
export interface NoiseSchedule {
  /**
   * `'linear'` (DDPM, Ho et al. 2020), `'cosine'` (Nichol & Dhariwal 2021) or `'custom'` (your own
   * betas, {@link scheduleFromBetas}).
   */
  readonly kind: 'linear' | 'cosine' | 'custom';
  /** Number of discrete steps T. */
  readonly T: number;
  /** `β_i`, length T. */
  readonly betas: Float64Array;
  /** `α_i = 1 − β_i`, length T. */
  readonly alphas: Float64Array;
  /** `ᾱ_i`, length T, decreasing. */
  readonly alphasCumprod: Float64Array;
  /** The settings that produced it (serializable). */
  readonly settings: Readonly<Record<string, number | string>>;
}

/** Options of {@link linearSchedule}. */
export interface LinearScheduleOptions {
  /** Number of steps T. Default 1000. */
  readonly T: number;
  /** First beta. Default 1e-4. */
  readonly betaStart: number;
  /** Last beta. Default 2e-2. */
  readonly betaEnd: number;
}

const LINEAR_DEFAULTS: LinearScheduleOptions = { T: 1000, betaStart: 1e-4, betaEnd: 2e-2 };

function cumprod(alphas: Float64Array): Float64Array {
  const out = new Float64Array(alphas.length);
  let p = 1;
  for (let i = 0; i < alphas.length; i++) {
    p *= alphas[i]!;
    out[i] = p;
  }
  return out;
}

/** Builds the frozen schedule from checked betas (internal; also used by `scheduleFromBetas`). */
export function buildSchedule(
  kind: NoiseSchedule['kind'],
  betas: Float64Array,
  settings: Record<string, number | string>,
): NoiseSchedule {
  const alphas = betas.map((b) => 1 - b);
  return Object.freeze({ kind, T: betas.length, betas, alphas, alphasCumprod: cumprod(alphas), settings: Object.freeze({ kind, ...settings }) });
}

/**
 * The linear DDPM schedule: `β_i = linspace(betaStart, betaEnd, T)[i]` (1e-4 … 2e-2, T = 1000 in Ho et al., NeurIPS 2020,
 * [arXiv:2006.11239](https://arxiv.org/abs/2006.11239):
 * the schedule of every purifier in the SSNI code and of Ho et al.'s CIFAR-10 model).
 *
 * @param options - `T` (default 1000), `betaStart` (1e-4), `betaEnd` (2e-2).
 * @returns the schedule, frozen.
 * @throws RobustError `INVALID_ARGUMENT` / `OUT_OF_RANGE` for a non-integer T < 1, betas outside (0, 1) or
 *   `betaEnd < betaStart`; `UNKNOWN_OPTION` for other keys.
 * @example
 * ```ts
 * const s = linearSchedule();
 * s.alphasCumprod[99]; // ≈ 0.8970, ᾱ after t* = 100 steps
 * ```
 */
export function linearSchedule(options?: Partial<LinearScheduleOptions>): NoiseSchedule {
  const fn = 'linearSchedule';
  const o = resolveOptions(fn, LINEAR_DEFAULTS, options);
  assertNumber(o.T, 'T', fn, { integer: true, min: 1 });
  assertNumber(o.betaStart, 'betaStart', fn, { greaterThan: 0, max: 0.999 });
  assertNumber(o.betaEnd, 'betaEnd', fn, { min: o.betaStart, max: 0.999 });
  const betas = new Float64Array(o.T);
  for (let i = 0; i < o.T; i++) betas[i] = o.T === 1 ? o.betaStart : o.betaStart + ((o.betaEnd - o.betaStart) * i) / (o.T - 1);
  return buildSchedule('linear', betas, { T: o.T, betaStart: o.betaStart, betaEnd: o.betaEnd });
}

/** Options of {@link cosineSchedule}. */
export interface CosineScheduleOptions {
  /** Number of steps T. Default 1000. */
  readonly T: number;
  /** The offset s of `f(t) = cos²((t/T + s)/(1 + s) · π/2)`. Default 0.008. */
  readonly offset: number;
  /** Betas are clipped to at most this. Default 0.999. */
  readonly maxBeta: number;
}

const COSINE_DEFAULTS: CosineScheduleOptions = { T: 1000, offset: 0.008, maxBeta: 0.999 };

/**
 * The cosine schedule of Nichol & Dhariwal (2021): `ᾱ(t) = f(t)/f(0)`, `β_i = min(1 − ᾱ(i+1)/ᾱ(i), maxBeta)`.
 *
 * @param options - `T` (default 1000), `offset` (0.008), `maxBeta` (0.999).
 * @returns the schedule, frozen.
 * @throws RobustError for T < 1, a negative offset or maxBeta outside (0, 1); `UNKNOWN_OPTION` for other keys.
 * @example
 * ```ts
 * const s = cosineSchedule({ T: 500 });
 * ```
 */
export function cosineSchedule(options?: Partial<CosineScheduleOptions>): NoiseSchedule {
  const fn = 'cosineSchedule';
  const o = resolveOptions(fn, COSINE_DEFAULTS, options);
  assertNumber(o.T, 'T', fn, { integer: true, min: 1 });
  assertNumber(o.offset, 'offset', fn, { min: 0 });
  assertNumber(o.maxBeta, 'maxBeta', fn, { greaterThan: 0, max: 0.999999 });
  const f = (t: number): number => Math.cos(((t / o.T + o.offset) / (1 + o.offset)) * (Math.PI / 2)) ** 2;
  const betas = new Float64Array(o.T);
  for (let i = 0; i < o.T; i++) betas[i] = Math.min(1 - f(i + 1) / f(i), o.maxBeta);
  return buildSchedule('cosine', betas, { T: o.T, offset: o.offset, maxBeta: o.maxBeta });
}

/**
 * `ᾱ_i` with the convention `ᾱ_{−1} = 1`.
 *
 * @param schedule - the schedule.
 * @param i - an integer index in [−1, T).
 * @returns `ᾱ_i`.
 * @throws RobustError `OUT_OF_RANGE` for an index outside [−1, T).
 * @example
 * ```ts
 * alphaBar(linearSchedule(), -1); // 1
 * ```
 */
export function alphaBar(schedule: NoiseSchedule, i: number): number {
  assert(Number.isInteger(i) && i >= -1 && i < schedule.T, 'OUT_OF_RANGE', () =>
    `Argument 'i' passed to 'alphaBar' must be an integer index in [-1, ${schedule.T}), got ${describeValue(i)}.`);
  return i < 0 ? 1 : schedule.alphasCumprod[i]!;
}

/**
 * Checks that a value is a {@link NoiseSchedule} (used at every public boundary).
 *
 * @param schedule - the candidate.
 * @param fn - the public function that received it.
 * @throws RobustError `INVALID_ARGUMENT` when it is not a schedule.
 * @example
 * ```ts
 * assertSchedule(linearSchedule(), 'mySampler');
 * ```
 */
export function assertSchedule(schedule: unknown, fn: string): asserts schedule is NoiseSchedule {
  const s = schedule as Partial<NoiseSchedule> | undefined;
  assert(s !== undefined && s !== null && typeof s.T === 'number' && s.alphasCumprod instanceof Float64Array &&
    s.alphasCumprod.length === s.T, 'INVALID_ARGUMENT', () =>
    `Argument 'schedule' passed to '${fn}' must be a NoiseSchedule (from linearSchedule(), ` +
      `cosineSchedule() or scheduleFromBetas(betas)), got ${describeValue(schedule)}.`);
}
