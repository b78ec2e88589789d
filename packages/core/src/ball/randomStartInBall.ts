import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';
import { seedStream, type SeedStream } from '../random';
import type { Images, Norm } from '../types';
import { ascentDirectionImpl } from './ascentDirection';
import { assertEpsNorm, assertTensor4D } from './assertBallArgs';
import { projectToBallImpl } from './projectToBall';

/** The random perturbation δ `[N,H,W,C]` of each norm, from the two draw seeds (s2 is unused by l_inf). */
const START_DELTA: Readonly<Record<Norm, (shape: [number, number, number, number], eps: number, s1: number, s2: number) => tf.Tensor4D>> = {
  linf: (shape, eps, s1) => tf.randomUniform(shape, -eps, eps, 'float32', s1) as tf.Tensor4D,
  l2: (shape, eps, s1, s2) =>
    tf.mul(
      ascentDirectionImpl(tf.randomNormal(shape, 0, 1, 'float32', s1) as tf.Tensor4D, 'l2'),
      tf.mul(eps, tf.randomUniform([shape[0], 1, 1, 1], 0, 1, 'float32', s2)), // [N,1,1,1]
    ) as tf.Tensor4D,
};

/**
 * A seeded random point in the eps-ball around `x`, intersected with [0,1], per sample (the random start of
 * PGD-style attacks, Madry et al. 2018):
 * - l_inf: δ ~ U(−eps, eps) per pixel;
 * - l_2: δ = u/(‖u‖₂ + 1e-12) · eps·r with u ~ N(0, I) and r ~ U(0,1) per sample (a random direction, a random radius);
 * then x + δ projected onto the ball ∩ [0,1] ({@link projectToBall}).
 *
 * Draw order (pinned by golden tests): exactly two seeds are taken, s1 then s2, with `nextSeed()`, for both norms;
 * s1 seeds the per-pixel draw (uniform for l_inf, normal for l_2), s2 the l_2 radius (l_inf leaves it unused).
 * Pass a number for a fresh stream `seedStream(seed)`, or your own {@link SeedStream} to continue it (the two
 * seeds are then taken from it, and your later draws follow them).
 *
 * Shape: `x` `[N,H,W,C]` → `[N,H,W,C]`.
 *
 * @param x - the clean images `[N,H,W,C]` in [0,1], the ball's centres.
 * @param eps - the budget, a finite number ≥ 0.
 * @param norm - `'linf'` or `'l2'`.
 * @param seed - an integer seed (a fresh stream), or a {@link SeedStream} to draw the two seeds from.
 * @returns the start `[N,H,W,C]` in [0,1], within `eps` of `x` in `norm` (a new tensor; tidy).
 * @throws {@link RobustError} `INVALID_ARGUMENT` for a bad `x`, `eps`, `norm`, or a `seed` that is neither an
 *   integer nor a SeedStream.
 * @example
 * ```ts
 * const x0 = randomStartInBall(x, 8 / 255, 'linf', 0); // same seed → same start on the same backend
 * ```
 */
export function randomStartInBall(x: Images, eps: number, norm: Norm, seed: number | SeedStream): Images {
  const fn = 'randomStartInBall';
  assertTensor4D(x, 'x', fn);
  assertEpsNorm(eps, norm, fn);
  assert(Number.isInteger(seed) || (typeof seed === 'object' && seed !== null && typeof seed.nextSeed === 'function'), 'INVALID_ARGUMENT', () =>
    `Argument 'seed' passed to '${fn}' must be an integer or a SeedStream from seedStream(seed), got ${describeValue(seed)}.`);
  // tfjs treats a seed of 0 as "unseeded": nextSeed() never hands one out.
  const seeds = typeof seed === 'number' ? seedStream(seed) : seed;
  const s1 = seeds.nextSeed();
  const s2 = seeds.nextSeed();
  return tf.tidy(() => projectToBallImpl(tf.add(x, START_DELTA[norm](x.shape, eps, s1, s2)) as tf.Tensor4D, x, eps, norm));
}
