import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';

/**
 * The frozen configuration of a {@link Denoiser}: the HGD-style UNet's shape (Liao et al. 2018; DAD's
 * `models/denoise.py`, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169)). `channels[i]` is the width of resolution level i (level 0 at full
 * size, each next level at half size, ceil division); `forwardBlocks[i]` convolutions at level i on the way
 * down (the first one strided for i ≥ 1) and `backwardBlocks[i]` on the way up (the first one reads the
 * concatenation of the upsampled deeper level and the skip connection).
 */
export interface DenoiserConfig {
  /** Per-image input shape `[H,W,C]` the denoiser is built and trained for. */
  readonly inputShape: readonly [number, number, number];
  /** Channels per level, `L ≥ 2` entries (HGD: `[64,128,256,256,256]`). */
  readonly channels: readonly number[];
  /** Conv blocks per level on the way down, `L` entries each ≥ 1 (HGD: `[2,3,3,3,3]`). */
  readonly forwardBlocks: readonly number[];
  /** Conv blocks per level on the way up, `L − 1` entries each ≥ 1, index = level (HGD: `[2,3,3,3]`). */
  readonly backwardBlocks: readonly number[];
  /** BatchNorm momentum of the running statistics (PyTorch's 0.1 = tfjs's 0.9 here: `running = m·running + (1−m)·batch`). */
  readonly bnMomentum: number;
  /** BatchNorm epsilon. */
  readonly bnEpsilon: number;
  /** Seed of the weight initialisers. */
  readonly seed: number;
}

/** Options of the {@link Denoiser} constructor: any subset of {@link DenoiserConfig}. */
export type DenoiserOptions = Partial<DenoiserConfig>;

/**
 * Named presets of {@link DenoiserConfig}:
 * - `fmnist`: the scaled-down UNet for 28×28×1 images used by this repository (channels `[16,32,64,64]`,
 *   4 levels 28/14/7/4, halved block counts `[2,2,2,2]` down and `[2,2,2]` up; about 0.3 M parameters).
 * - `hgd`: DAD's full-size HGD UNet for 32×32×3 inputs (channels `[64,128,256,256,256]`, `[2,3,3,3,3]` /
 *   `[2,3,3,3]`).
 *
 * @example
 * ```ts
 * const g = new Denoiser({ ...DENOISER_PRESETS.fmnist, seed: 3 });
 * ```
 */
export const DENOISER_PRESETS = Object.freeze({
  fmnist: Object.freeze({
    inputShape: [28, 28, 1] as const,
    channels: [16, 32, 64, 64] as readonly number[],
    forwardBlocks: [2, 2, 2, 2] as readonly number[],
    backwardBlocks: [2, 2, 2] as readonly number[],
  }),
  hgd: Object.freeze({
    inputShape: [32, 32, 3] as const,
    channels: [64, 128, 256, 256, 256] as readonly number[],
    forwardBlocks: [2, 3, 3, 3, 3] as readonly number[],
    backwardBlocks: [2, 3, 3, 3] as readonly number[],
  }),
});

/**
 * The defaults of {@link DenoiserConfig}: the `fmnist` preset of {@link DENOISER_PRESETS}, BatchNorm
 * momentum 0.9 and epsilon 1e-5 (PyTorch's), seed 0.
 *
 * @example
 * ```ts
 * console.log(DENOISER_DEFAULTS.channels); // [16, 32, 64, 64]
 * ```
 */
export const DENOISER_DEFAULTS: DenoiserConfig = Object.freeze({
  ...DENOISER_PRESETS.fmnist,
  bnMomentum: 0.9,
  bnEpsilon: 1e-5,
  seed: 0,
});

const positiveInts = (v: unknown, length: number | undefined): boolean =>
  Array.isArray(v) && v.length > 0 && (length === undefined || v.length === length) && v.every((c) => Number.isInteger(c) && c >= 1);

/** Merges and checks denoiser options into a frozen config. @internal */
export function resolveDenoiserConfig(options: unknown, fn: string): DenoiserConfig {
  const cfg = resolveOptions(fn, DENOISER_DEFAULTS, options as DenoiserOptions | undefined);
  assert(positiveInts(cfg.inputShape, 3), 'INVALID_ARGUMENT', () =>
    `Option 'inputShape' passed to '${fn}' must be [H,W,C] of positive integers, got ${describeValue(cfg.inputShape)}.`);
  assert(positiveInts(cfg.channels, undefined) && cfg.channels.length >= 2, 'INVALID_ARGUMENT', () =>
    `Option 'channels' passed to '${fn}' must list at least 2 positive integers (one per level), got ${describeValue(cfg.channels)}.`);
  const levels = cfg.channels.length;
  assert(positiveInts(cfg.forwardBlocks, levels), 'INVALID_ARGUMENT', () =>
    `Option 'forwardBlocks' passed to '${fn}' must list ${levels} positive integers (one per entry of 'channels'), got ${describeValue(cfg.forwardBlocks)}.`);
  assert(positiveInts(cfg.backwardBlocks, levels - 1), 'INVALID_ARGUMENT', () =>
    `Option 'backwardBlocks' passed to '${fn}' must list ${levels - 1} positive integers (channels.length − 1), got ${describeValue(cfg.backwardBlocks)}.`);
  assertNumber(cfg.bnMomentum, 'bnMomentum', fn, { min: 0, max: 1 });
  assertNumber(cfg.bnEpsilon, 'bnEpsilon', fn, { greaterThan: 0 });
  assertNumber(cfg.seed, 'seed', fn, { integer: true });
  return Object.freeze({
    ...cfg,
    inputShape: Object.freeze([cfg.inputShape[0], cfg.inputShape[1], cfg.inputShape[2]] as const),
    channels: Object.freeze([...cfg.channels]),
    forwardBlocks: Object.freeze([...cfg.forwardBlocks]),
    backwardBlocks: Object.freeze([...cfg.backwardBlocks]),
  });
}
