/**
 * DAD in always-denoise mode behind core's `Defense` contract: every batch B, whatever its size, goes through
 * h(g(clip(B + clip(N(0, σ²), 0, 1), 0, 1))), i.e. {@link DadDefense.branch}(B, true, seed); the detector is never
 * called. Without the batch-wise detector the defense works per image (minimum batch 1), so per-image attacks such as
 * `pgd-eot` of `@robustjs/attacks` apply. Built by `asDefense({ mode: 'always-denoise' })` (`dadAsDefense.ts`, which
 * checks the options and registers the defense).
 *
 * | variable    | paper symbol | meaning |
 * |-------------|--------------|---------|
 * | `denoiser`  | g            | the trained {@link Denoiser} |
 * | `noiseStd`  | σ            | std of the clamped input noise |
 * | classifier  | h            | the frozen classifier |
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, describeValue, readClassifyOptions } from '@robustjs/core';
import type { AttackSurface, Defense, DefenseInfo, DefenseOutput, Images } from '@robustjs/core';
import { addClampedNoise } from './addClampedNoise';
import type { DadDefense } from './dadDefense';

/** What the always-denoise defense reports per batch: nothing (`{}`): every batch takes the same route. */
export type DadAlwaysDenoiseInfo = Readonly<Record<string, never>>;

/** The options {@link dadAlwaysDenoise} gets, already checked by `asDefense` (internal). */
export interface DadAlwaysDenoiseOptions {
  /** The row label. */
  readonly label: string;
  /** The base defense's label, or null. */
  readonly modifies: string | null;
  /** Extra JSON settings (a copy, not sharing a key with the defense's own). */
  readonly settings: DefenseInfo;
}

const INFO: DadAlwaysDenoiseInfo = Object.freeze({});

/**
 * Builds the always-denoise core `Defense` of a {@link DadDefense} (documented at {@link DadDefense.asDefense};
 * internal: options are checked there).
 *
 * @param dad - the DAD defense (its classifier, denoiser, noise std and image shape are used; detector and θ are not).
 * @param options - {@link DadAlwaysDenoiseOptions}.
 * @returns the defense: logits `[N,K]` for images `[N,H,W,C]` in [0,1], N ≥ 1; info `{}`.
 * @throws {@link @robustjs/core!index.RobustError} at `classify` time: `UNKNOWN_OPTION`, `INVALID_ARGUMENT` for a seed
 *   that is not an integer ≥ 1 or a batch that is not rank-4 float32 images in [0,1], `SHAPE_MISMATCH` for images of
 *   another size than the denoiser's, `EMPTY_INPUT` for an empty batch; all before any work.
 * @example
 * ```ts
 * const defense = dadDefense({ classifier, detector, denoiser, threshold }).asDefense({ mode: 'always-denoise' });
 * const { logits } = defense.classify(oneImage, { seed: 1 }); // [1,10]
 * ```
 */
export function dadAlwaysDenoise(dad: DadDefense, options: DadAlwaysDenoiseOptions): Defense<DadAlwaysDenoiseInfo> {
  const { label, modifies } = options;
  const { noiseStd, imageShape } = dad;
  const { denoiser } = dad.parts;
  const settings: DefenseInfo = Object.freeze({ mode: 'always-denoise', noiseStd, minBatchSize: 1, ...options.settings });

  const check: (x: unknown, where: string) => asserts x is Images = (x, where) => {
    assert(x instanceof tf.Tensor && x.rank === 4, 'INVALID_ARGUMENT', () =>
      `Argument 'x' passed to '${where}' must be a batch of images [N,${imageShape.join(',')}] in [0,1], ` +
        `got ${x instanceof tf.Tensor ? `shape ${describeValue(x.shape)}` : describeValue(x)}.`);
    assert(x.shape.slice(1).every((d: number, i: number) => d === imageShape[i]), 'SHAPE_MISMATCH', () =>
      `Argument 'x' passed to '${where}' must have per-image shape [${imageShape.join(',')}] like the denoiser, ` +
        `got ${describeValue(x.shape.slice(1))}. Resize or pad the images the way the training data was.`);
    assertImages(x, 'x', where);
  };

  const description = `full backprop through clamped N(0, ${noiseStd}²) noise → denoiser → classifier on every batch (DAD without its detector)`;
  const surface: AttackSurface = Object.freeze({
    model: (x: Images, seed: number) => tf.tidy(() => dad.branch(x, true, seed)),
    // σ = 0 draws no noise: the defense is deterministic then
    randomized: noiseStd > 0,
    gradient: 'exact' as const,
    description,
    terms: Object.freeze({}),
    recommendedAttacks: Object.freeze([Object.freeze({ name: 'pgd-eot' })]),
    minBatchSize: 1,
  });

  const classifyFn = 'DadDefense.asDefense().classify';
  return Object.freeze({
    label,
    surface,
    classify(x: Images, opts: { readonly seed: number; readonly keepImages?: boolean }): DefenseOutput<DadAlwaysDenoiseInfo> {
      const c = readClassifyOptions(opts, classifyFn);
      const seed = c.seed;
      check(x, classifyFn);
      if (!c.keepImages) return { logits: tf.tidy(() => dad.branch(x, true, seed)), info: INFO };
      // the classifier sees the denoiser's output as is; the kept images are that output clipped to [0,1]
      const [logits, images] = tf.tidy(() => {
        const denoised = denoiser.apply(addClampedNoise(x, { std: noiseStd, seed })); // [N,H,W,C]
        return [dad.parts.classifier(denoised), tf.clipByValue(denoised, 0, 1) as Images] as const;
      });
      return { logits, images, info: INFO };
    },
    describe: () => ({ label, kind: 'dad', modifies, settings, surface: description }),
    dispose() {
      // nothing to free: the classifier, detector and denoiser stay the caller's
    },
  });
}
