import * as tf from '@tensorflow/tfjs';
import type { Norm } from '../types';
import { assertNorm } from '../validate/assertNorm';
import { assertTensor4D } from './assertBallArgs';
import { l2NormPerSampleImpl } from './l2NormPerSample';

/** The steepest-ascent direction of unit size in each norm. */
const ASCENT: Readonly<Record<Norm, (g: tf.Tensor4D) => tf.Tensor4D>> = {
  linf: (g) => tf.sign(g),
  l2: (g) => tf.div(g, tf.add(l2NormPerSampleImpl(g), 1e-12)),
};

/** The body of {@link ascentDirection}, unchecked (internal). */
export function ascentDirectionImpl(g: tf.Tensor4D, norm: Norm): tf.Tensor4D {
  return ASCENT[norm](g);
}

/**
 * The steepest-ascent direction of a gradient in the threat model's norm, per sample: sign(g) for l_inf,
 * g / (‖g‖₂ + 1e-12) for l_2 (a zero gradient gives a zero direction in both). A PGD step is
 * `projectToBall(xAdv + stepSize · ascentDirection(g, norm), x, eps, norm)`.
 *
 * Shape: `g` `[N,H,W,C]` → `[N,H,W,C]`.
 *
 * @param g - the loss gradient with respect to the images `[N,H,W,C]` float32.
 * @param norm - `'linf'` or `'l2'`.
 * @returns the direction `[N,H,W,C]` (a new tensor; tidy).
 * @throws {@link RobustError} `INVALID_ARGUMENT` when `g` is not a live rank-4 float32 tensor or `norm` is not
 *   `'linf'` or `'l2'`.
 * @example
 * ```ts
 * const d = ascentDirection(tf.grad(loss)(xAdv) as tf.Tensor4D, 'l2'); // [N,H,W,C], each sample of l_2 norm 1
 * ```
 */
export function ascentDirection(g: tf.Tensor4D, norm: Norm): tf.Tensor4D {
  assertTensor4D(g, 'g', 'ascentDirection');
  assertNorm(norm, 'ascentDirection');
  return tf.tidy(() => ascentDirectionImpl(g, norm));
}
