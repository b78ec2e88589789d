import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from './errors';

/**
 * A deterministic stream of 31-bit integer seeds derived from one user seed (SplitMix32).
 * Give each stochastic step its own `next()` so the same user seed reproduces every draw,
 * in order, on the same backend.
 */
export interface SeedStream {
  /** The seed the stream was created from. */
  readonly seed: number;
  /** The next seed, an integer in [0, 2^31). */
  next(): number;
  /**
   * The next seed for a tfjs random op or a robustjs function that takes `seed`: an integer in [1, 2^31]
   * (tfjs treats a seed of 0 as "unseeded", so a stream never hands one out). Advances the stream like `next()`.
   */
  nextSeed(): number;
  /** An independent child stream for a named sub-task (same parent seed + label → same child). */
  fork(label: string): SeedStream;
}

function mix32(h: number): number {
  let z = (h + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function hashLabel(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Creates a {@link SeedStream}.
 *
 * @param seed - an integer (any sign; fractional seeds are rejected).
 * @returns the stream.
 * @throws {@link RobustError} `INVALID_ARGUMENT` when `seed` is not a finite integer.
 * @example
 * ```ts
 * const s = seedStream(42);
 * const noise = tf.randomNormal([8, 28, 28, 1], 0, 1, 'float32', s.next());
 * ```
 */
export function seedStream(seed: number): SeedStream {
  assert(typeof seed === 'number' && Number.isInteger(seed), 'INVALID_ARGUMENT', () =>
    `Argument 'seed' passed to 'seedStream' must be an integer, got ${describeValue(seed)}.`);
  let state = mix32(seed >>> 0);
  const next = (): number => {
    state = mix32(state);
    return state & 0x7fffffff;
  };
  return {
    seed,
    next,
    nextSeed: () => next() + 1,
    fork(label: string) {
      return seedStream(mix32(state ^ hashLabel(label)) & 0x7fffffff);
    },
  };
}

/**
 * Standard normal noise of `shape`, from either an explicit `noise` tensor (returned as is after a
 * shape check) or a `seed`. Passing both is an error; passing neither draws unseeded noise.
 *
 * @param shape - the wanted shape.
 * @param source - `{ seed?, noise? }` from the caller's options.
 * @param fn - the public function asking, for messages.
 * @returns a float32 tensor of `shape` (the caller owns it unless it is `source.noise`).
 * @throws {@link RobustError} `INVALID_ARGUMENT` when both are given or `noise` has the wrong shape.
 * @example
 * ```ts
 * const eps = gaussianNoise(x.shape, { seed: 0 }, 'qSample');
 * ```
 */
export function gaussianNoise(shape: readonly number[], source: { seed?: number; noise?: tf.Tensor }, fn: string): tf.Tensor {
  const { seed, noise } = source;
  assert(seed === undefined || noise === undefined, 'INVALID_ARGUMENT', () =>
    `Options 'seed' and 'noise' passed to '${fn}' are exclusive: give a seed to draw noise, or the noise itself, not both.`);
  if (noise !== undefined) {
    assert(noise.shape.length === shape.length && noise.shape.every((d, i) => d === shape[i]), 'SHAPE_MISMATCH', () =>
      `Option 'noise' passed to '${fn}' must have shape ${describeValue(shape)}, got ${describeValue(noise.shape)}.`);
    return noise;
  }
  if (seed !== undefined) {
    assert(Number.isInteger(seed), 'INVALID_ARGUMENT', () => `Option 'seed' passed to '${fn}' must be an integer, got ${seed}.`);
  }
  return tf.randomNormal([...shape], 0, 1, 'float32', seed);
}
