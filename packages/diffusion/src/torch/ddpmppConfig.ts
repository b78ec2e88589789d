import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';

/**
 * The architecture of Score-SDE's NCSN++ / DDPM++ network (`models/ncsnpp.py` of
 * yang-song/score_sde_pytorch), in the subset its VP continuous CIFAR-10 configs use. Field names
 * follow `config.model` / `config.data` of the reference, in camelCase. Settings the reference
 * offers but this port does not (FIR resampling, progressive growing, Fourier embedding,
 * `scale_by_sigma`, uncentered data, DDPM res blocks) are fixed literal fields: a config that asks
 * for another value is rejected, never silently changed.
 */
export interface DdpmppConfig {
  /** `data.image_size`: height = width, divisible by 2^(levels − 1). Default 32. */
  readonly imageSize: number;
  /** `data.num_channels`. Default 3. */
  readonly channels: number;
  /** `model.nf`: channels of the first level and size of the time embedding (even, ≥ 4). 128. */
  readonly nf: number;
  /** `model.ch_mult`: channel multiplier per resolution level. Default [1, 2, 2, 2]. */
  readonly chMult: readonly number[];
  /** `model.num_res_blocks` per level (the up path has one more). Default 8. */
  readonly numResBlocks: number;
  /** `model.attn_resolutions`: resolutions that get attention blocks. Default [16]. */
  readonly attnResolutions: readonly number[];
  /** `model.skip_rescale`: residual sums divided by √2. Default true. */
  readonly skipRescale: boolean;
  /** `model.conditional`: time-conditioned (else the time input is ignored). Default true. */
  readonly conditional: boolean;
  /** `model.resblock_type`; only `'biggan'` (up/down sampling inside residual blocks). */
  readonly resblockType: 'biggan';
  /** `model.fir`; only false (naive nearest / average resampling). */
  readonly fir: false;
  /** `model.progressive`; only `'none'`. */
  readonly progressive: 'none';
  /** `model.progressive_input`; only `'none'`. */
  readonly progressiveInput: 'none';
  /** `model.embedding_type`; only `'positional'` (`layers.get_timestep_embedding`). */
  readonly embeddingType: 'positional';
  /** `model.scale_by_sigma`; only false (the output is ε, see `ddpmpp`). */
  readonly scaleBySigma: false;
  /** `data.centered`; only true (inputs in [−1, 1]). */
  readonly centered: true;
  /** `model.beta_min` of the VP SDE. Default 0.1. */
  readonly betaMin: number;
  /** `model.beta_max` of the VP SDE. Default 20. */
  readonly betaMax: number;
  /** `model.num_scales` N: discrete indices 0 … N − 1 of the `NoisePredictor`. Default 1000. */
  readonly numScales: number;
}

/** The settings this port fixes, with the only value it supports. */
const FIXED = {
  resblockType: 'biggan',
  fir: false,
  progressive: 'none',
  progressiveInput: 'none',
  embeddingType: 'positional',
  scaleBySigma: false,
  centered: true,
} as const;

/**
 * Score-SDE's `configs/vp/cifar10_ddpmpp_deep_continuous.py` (the checkpoint DiffPure, GNS and
 * SSNI purify CIFAR-10 with): nf 128, ch_mult (1,2,2,2), 8 res blocks, attention at 16×16, BigGAN
 * blocks without FIR, skip_rescale, positional embedding, conditional, centered data,
 * VP β 0.1 → 20, 1000 scales: 106,632,579 parameters in 956 tensors (plus the 1000-entry `sigmas` buffer).
 */
export const DDPMPP_DEFAULTS: DdpmppConfig = Object.freeze({
  imageSize: 32,
  channels: 3,
  nf: 128,
  chMult: Object.freeze([1, 2, 2, 2]),
  numResBlocks: 8,
  attnResolutions: Object.freeze([16]),
  skipRescale: true,
  conditional: true,
  ...FIXED,
  betaMin: 0.1,
  betaMax: 20,
  numScales: 1000,
});

function positiveIntegers(v: unknown, name: string, fn: string): void {
  assert(
    Array.isArray(v) && v.length > 0 && v.every((m) => Number.isSafeInteger(m) && m >= 1),
    'INVALID_ARGUMENT',
    () =>
      `Option '${name}' passed to '${fn}' must be a non-empty array of positive integers, ` +
      `got ${describeValue(v)}.`,
  );
}

/**
 * Merges overrides over {@link DDPMPP_DEFAULTS} and checks the result.
 *
 * @param overrides - fields to change (e.g. a small test config); default none.
 * @param fn - the public function, for messages. Default `'resolveDdpmppConfig'`.
 * @returns the frozen config.
 * @throws {@link @robustjs/core!index.RobustError} `UNKNOWN_OPTION` for other keys;
 *   `INVALID_ARGUMENT` for a fixed setting with another value (e.g. `fir: true`), non-integer
 *   sizes, an odd `nf`, an image size not divisible by 2^(levels − 1), or `betaMax < betaMin`.
 * @example
 * ```ts
 * const small = resolveDdpmppConfig({ imageSize: 16, nf: 16, chMult: [1, 2], numResBlocks: 1,
 *   attnResolutions: [8] });
 * ```
 */
export function resolveDdpmppConfig(
  overrides?: Partial<DdpmppConfig>,
  fn = 'resolveDdpmppConfig',
): DdpmppConfig {
  const c = resolveOptions(fn, DDPMPP_DEFAULTS, overrides);
  for (const [k, v] of Object.entries(FIXED)) {
    assert(
      c[k as keyof typeof FIXED] === v,
      'INVALID_ARGUMENT',
      () =>
        `Option '${k}' passed to '${fn}' must be ${describeValue(
          v,
        )} (the only setting this port of ` +
        `NCSN++ supports, that of the VP DDPM++ configs), got ` +
        `${describeValue(c[k as keyof typeof FIXED])}. Use a checkpoint trained with ${k} = ` +
        `${describeValue(v)}.`,
    );
  }
  for (const k of ['imageSize', 'channels', 'nf', 'numResBlocks'] as const) {
    assertNumber(c[k], k, fn, { integer: true, min: 1 });
  }
  assertNumber(c.numScales, 'numScales', fn, { integer: true, min: 2 });
  assert(
    c.nf % 2 === 0 && c.nf >= 4,
    'INVALID_ARGUMENT',
    () =>
      `Option 'nf' passed to '${fn}' must be even and ≥ 4 (the sinusoidal embedding has nf/2 ` +
      `frequencies, spaced by ln(10000)/(nf/2 − 1)), got ${c.nf}.`,
  );
  positiveIntegers(c.chMult, 'chMult', fn);
  assert(
    Array.isArray(c.attnResolutions) &&
      c.attnResolutions.every((r) => Number.isSafeInteger(r) && r >= 1),
    'INVALID_ARGUMENT',
    () =>
      `Option 'attnResolutions' passed to '${fn}' must be an array of positive integers, ` +
      `got ${describeValue(c.attnResolutions)}.`,
  );
  const levels = c.chMult.length;
  assert(
    c.imageSize % 2 ** (levels - 1) === 0,
    'INVALID_ARGUMENT',
    () =>
      `Option 'imageSize' passed to '${fn}' must be divisible by 2^(levels − 1) = ` +
      `${2 ** (levels - 1)} for ${levels} levels, got ${c.imageSize}.`,
  );
  assertNumber(c.betaMin, 'betaMin', fn, { greaterThan: 0 });
  assertNumber(c.betaMax, 'betaMax', fn, { min: c.betaMin });
  return Object.freeze({
    ...c,
    chMult: Object.freeze([...c.chMult]),
    attnResolutions: Object.freeze([...c.attnResolutions]),
  });
}
