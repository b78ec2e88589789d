import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';

/** Architecture of a {@link Unet}. Serialized with the weights. */
export interface UnetConfig {
  /** Image height = width. Must be divisible by 2^(levels − 1). Default 28. */
  readonly imageSize: number;
  /** Image channels. Default 1. */
  readonly channels: number;
  /** Channels of the first level. Default 32. */
  readonly baseChannels: number;
  /** Channel multiplier per resolution level (length = number of levels). Default [1, 2, 4]. */
  readonly channelMults: readonly number[];
  /** Residual blocks per level. Default 1. */
  readonly numResBlocks: number;
  /** Self-attention at the lowest resolution. Default false. */
  readonly attention: boolean;
  /** GroupNorm groups (must divide every channel count). Default 8. */
  readonly groups: number;
  /** Size of the sinusoidal time embedding. Default 32. */
  readonly timeDim: number;
  /** Width of the time-embedding MLP. Default 128. */
  readonly tembDim: number;
}

/** Named size presets of {@link createUnet}. */
export type UnetPreset = 'tiny' | 'small' | 'base';

/**
 * The presets (for 28×28×1 images; override `imageSize`/`channels` for others):
 * - `tiny`: 8 base channels, two levels, groups 4 (≈ 17k parameters; tests and smoke runs).
 * - `small`: 32 base channels, levels ×1/×2/×4, one residual block per level (785,057 parameters; the benchmark
 *   UNet and the shipped Fashion-MNIST model).
 * - `base`: 64 base channels, levels ×1/×2/×2, two residual blocks per level, attention at 7×7 (≈ 3.6 M).
 */
export const UNET_PRESETS: Readonly<Record<UnetPreset, UnetConfig>> = Object.freeze({
  tiny: { imageSize: 28, channels: 1, baseChannels: 8, channelMults: [1, 2], numResBlocks: 1, attention: false, groups: 4, timeDim: 16, tembDim: 32 },
  small: { imageSize: 28, channels: 1, baseChannels: 32, channelMults: [1, 2, 4], numResBlocks: 1, attention: false, groups: 8, timeDim: 32, tembDim: 128 },
  base: { imageSize: 28, channels: 1, baseChannels: 64, channelMults: [1, 2, 2], numResBlocks: 2, attention: true, groups: 8, timeDim: 64, tembDim: 256 },
});

/**
 * Resolves a preset name and/or overrides into a checked config.
 *
 * @param preset - a preset name (default `'small'`).
 * @param overrides - fields to change.
 * @param fn - the public function, for messages.
 * @returns the full config.
 * @throws RobustError for an unknown preset or key, sizes not divisible by 2^(levels−1), groups that do not divide
 *   the channel counts, non-positive integers.
 * @example
 * ```ts
 * const c = resolveUnetConfig('small', { imageSize: 32, channels: 3 }, 'createUnet');
 * ```
 */
export function resolveUnetConfig(preset: UnetPreset, overrides: Partial<UnetConfig> | undefined, fn: string): UnetConfig {
  const base = UNET_PRESETS[preset];
  assert(base !== undefined, 'INVALID_ARGUMENT', () =>
    `Argument 'preset' passed to '${fn}' must be one of ${Object.keys(UNET_PRESETS).join(', ')}, got ${describeValue(preset)}.`);
  const c = resolveOptions(fn, base, overrides);
  for (const k of ['imageSize', 'channels', 'baseChannels', 'numResBlocks', 'groups', 'timeDim', 'tembDim'] as const) {
    assertNumber(c[k], k, fn, { integer: true, min: 1 });
  }
  assert(c.timeDim % 2 === 0, 'INVALID_ARGUMENT', () => `Option 'timeDim' passed to '${fn}' must be even, got ${c.timeDim}.`);
  assert(Array.isArray(c.channelMults) && c.channelMults.length >= 1 && c.channelMults.every((m) => Number.isInteger(m) && m >= 1),
    'INVALID_ARGUMENT', () => `Option 'channelMults' passed to '${fn}' must be a non-empty array of positive integers, got ${describeValue(c.channelMults)}.`);
  const div = 2 ** (c.channelMults.length - 1);
  assert(c.imageSize % div === 0, 'INVALID_ARGUMENT', () =>
    `Option 'imageSize' passed to '${fn}' must be divisible by ${div} (2^(levels − 1) for ${c.channelMults.length} levels), ` +
      `got ${c.imageSize}. Pad the images or use fewer levels.`);
  for (const m of c.channelMults) {
    assert((c.baseChannels * m) % c.groups === 0, 'INVALID_ARGUMENT', () =>
      `Option 'groups' passed to '${fn}' must divide every level's channels, but ${c.groups} does not divide ${c.baseChannels * m}.`);
  }
  return Object.freeze({ ...c, channelMults: Object.freeze([...c.channelMults]) });
}
