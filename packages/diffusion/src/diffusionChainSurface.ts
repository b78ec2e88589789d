import { assert, assertImages, assertNumber, describeValue } from '@robustjs/core';
import type { Classifier, DiffusionChainSurface, Images } from '@robustjs/core';
import type { DiffusionPurifier, StageTimesteps } from './purifiers/types';

/** Options of {@link diffusionChainSurface}. */
export interface DiffusionChainSurfaceOptions {
  /**
   * Per-sample timesteps as a function of the images (SSNI's t(x), computed without gradient); the chain is
   * then input dependent and `chain(n, seed, x)` needs `x`. Default `undefined`: every stage's t*.
   */
  readonly timesteps?: (x: Images) => StageTimesteps;
}

/**
 * The chain surface (core's `DiffusionChainSurface`) of a diffusion purifier: its chain (with per-sample
 * timesteps when `timesteps` is given), and SDEdit chains with its noise predictor (one DDPM-sampler stage,
 * η = 0, no guidance), for the attacks that need intermediate states (DiffAttack) or SDEdit (Diff-PGD).
 * `purifierDefense` uses it with the stages' t*; `@robustjs/ssni`'s `ssniDefense` with t(x).
 *
 * @param classifier - images `[N,H,W,C]` in [0,1] → logits `[N,K]`, applied to the purified images.
 * @param purifier - the diffusion purifier whose chain is exposed (the attack's surrogate).
 * @param options - {@link DiffusionChainSurfaceOptions}.
 * @returns the surface; `chain(n, seed, x?)`, `sdedit(n, seed, tStar, steps)`, `length`, `tStar`, `T`.
 * @throws RobustError `INVALID_ARGUMENT` (from `chain`) when the chain is input dependent and `x` is missing
 *   or is not images of `n` samples; (from `sdedit`) for tStar outside 1 … T or steps outside 1 … tStar.
 * @example
 * ```ts
 * const surface = diffusionChainSurface(classifier, diffPure(unet.predict, schedule, { t: 100 }));
 * const steps = surface.chain(8, 1); // L deterministic steps on the diffusion range
 * ```
 */
export function diffusionChainSurface(classifier: Classifier, purifier: DiffusionPurifier,
  options: DiffusionChainSurfaceOptions = {}): DiffusionChainSurface {
  const timesteps = options.timesteps;
  const chain = (n: number, seed: number, x?: Images) => {
    if (timesteps === undefined) return purifier.chain(n, seed);
    const call = 'surface.diffusion.chain';
    assert(x !== undefined, 'INVALID_ARGUMENT', () =>
      `Argument 'x' passed to '${call}' is required: this chain's timesteps depend on the images ` +
        '(t(x)); pass the current iterate, got undefined.');
    assertImages(x, 'x', call);
    assert(x.shape[0] === n, 'INVALID_ARGUMENT', () =>
      `Argument 'x' passed to '${call}' must hold n = ${n} images, got ${describeValue(x.shape)}.`);
    return purifier.chain(n, seed, timesteps(x));
  };
  return Object.freeze({
    classifier,
    length: purifier.chain(1, 1).length,
    tStar: purifier.settings.stages[0]!,
    T: purifier.settings.schedule.T,
    inputDependent: timesteps !== undefined,
    chain,
    sdedit(n: number, seed: number, tStar: number, steps: number) {
      const fn = 'surface.diffusion.sdedit';
      assertNumber(tStar, 'tStar', fn, { integer: true, min: 1, max: purifier.settings.schedule.T });
      assertNumber(steps, 'steps', fn, { integer: true, min: 1, max: tStar });
      const sdedit = purifier.with({
        stages: [tStar], steps: [steps], sampler: 'ddpm', eta: 0, guidance: null, gradient: 'full',
      });
      return sdedit.chain(n, seed);
    },
  });
}
