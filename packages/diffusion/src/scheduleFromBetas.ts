import { assert, describeValue } from '@robustjs/core';
import { buildSchedule, type NoiseSchedule } from './schedule';

/**
 * A 64-bit FNV-1a digest of the betas' float64 bytes (little-endian), as 16 hex digits: two
 * schedules with the same fingerprint have the same betas, so calibrations can be matched to them.
 */
function fingerprint(betas: Float64Array): string {
  const view = new DataView(new ArrayBuffer(8));
  let h = 0xcbf29ce484222325n;
  for (const b of betas) {
    view.setFloat64(0, b, true);
    for (let k = 0; k < 8; k++) {
      h ^= BigInt(view.getUint8(k));
      h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  }
  return h.toString(16).padStart(16, '0');
}

/**
 * A {@link NoiseSchedule} from your own betas `β_0 … β_{T−1}` (kind `'custom'`), for a model
 * trained with a schedule robustjs does not name (e.g. a scaled-linear or sigmoid schedule, or
 * betas exported from diffusers' `scheduler.betas`). Every consumer of a schedule (qSample,
 * ddimStep, the DiffPure / GDMP / GNS purifiers, `trainDiffusion`, SSNI's EPS) reads only `T`,
 * `betas`, `alphas` and `alphasCumprod`, so a custom schedule works wherever a linear one does.
 *
 * The betas are copied (float64). `settings` is `{ kind: 'custom', T, fingerprint }`, where
 * `fingerprint` is a 64-bit hash of the betas (16 hex digits): SSNI calibrations record it and
 * refuse a schedule with other betas.
 *
 * @param betas - the per-step noise variances, length T ≥ 1, each finite and in (0, 1); any
 *   array-like of numbers (`number[]`, `Float32Array`, `Float64Array`).
 * @returns the schedule, frozen: `alphas[i] = 1 − β_i`, `alphasCumprod[i] = ∏_{j≤i} alphas[j]`.
 * @throws {@link @robustjs/core!index.RobustError} before any work: `INVALID_ARGUMENT` when
 *   `betas` is not an array of numbers; `EMPTY_INPUT` for no betas; `NOT_FINITE` for a NaN or
 *   infinite beta; `OUT_OF_RANGE` for a beta outside (0, 1) or betas whose product ᾱ underflows
 *   to 0 (naming the first bad index).
 * @example
 * ```ts
 * const T = 1000;
 * const betas = Array.from({ length: T }, (_, i) => (0.0085 ** 0.5 + (i / (T - 1)) *
 *   (0.012 ** 0.5 - 0.0085 ** 0.5)) ** 2); // scaled-linear (Stable Diffusion)
 * const purifier = diffPure(unet.predict, scheduleFromBetas(betas), { t: 100, steps: 10 });
 * ```
 */
export function scheduleFromBetas(betas: ArrayLike<number>): NoiseSchedule {
  const fn = 'scheduleFromBetas';
  const typed = ArrayBuffer.isView(betas) && !(betas instanceof DataView);
  const isList = Array.isArray(betas) || typed;
  assert(isList, 'INVALID_ARGUMENT', () =>
    `Argument 'betas' passed to '${fn}' must be an array or typed array of numbers, got ` +
      `${describeValue(betas)}. Pass e.g. Array.from(scheduler.betas).`);
  assert(betas.length >= 1, 'EMPTY_INPUT', () =>
    `Argument 'betas' passed to '${fn}' must hold at least one beta (T ≥ 1), got an empty array.`);
  const out = new Float64Array(betas.length);
  let product = 1;
  for (let i = 0; i < betas.length; i++) {
    const v: unknown = betas[i];
    const where = `Argument 'betas[${i}]' passed to '${fn}'`;
    assert(typeof v === 'number', 'INVALID_ARGUMENT', () =>
      `${where} must be a number, got ${describeValue(v)}.`);
    assert(Number.isFinite(v), 'NOT_FINITE', () => `${where} must be finite, got ${v}.`);
    assert(v > 0 && v < 1, 'OUT_OF_RANGE', () =>
      `${where} must be in (0, 1) (a per-step noise variance), got ${v}. ` +
        'If you have ᾱ (alphas_cumprod), convert: β_i = 1 − ᾱ_i / ᾱ_{i−1}.');
    product *= 1 - v;
    assert(product > 0, 'OUT_OF_RANGE', () =>
      `Argument 'betas' passed to '${fn}' makes ᾱ_${i} = ∏ (1 − β_j) underflow to 0 ` +
        `at index ${i}: ` +
        'the samplers divide by sqrt(ᾱ). Use fewer or smaller betas.');
    out[i] = v;
  }
  return buildSchedule('custom', out, { T: out.length, fingerprint: fingerprint(out) });
}
