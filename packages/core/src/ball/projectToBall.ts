import * as tf from '@tensorflow/tfjs';
import type { Images, Norm } from '../types';
import { assertEpsNorm, assertTensor4D } from './assertBallArgs';
import { l2NormPerSampleImpl } from './l2NormPerSample';

/** Projects a perturbation δ `[N,H,W,C]` onto the eps-ball of each norm. */
const PROJECT_DELTA: Readonly<Record<Norm, (delta: tf.Tensor4D, eps: number) => tf.Tensor4D>> = {
  linf: (delta, eps) => tf.clipByValue(delta, -eps, eps),
  l2: (delta, eps) => tf.mul(delta, tf.minimum(1, tf.div(eps, tf.add(l2NormPerSampleImpl(delta), 1e-12)))) as tf.Tensor4D,
};

/** The body of {@link projectToBall}, unchecked (internal). */
export function projectToBallImpl(xAdv: tf.Tensor4D, x: Images, eps: number, norm: Norm): Images {
  return tf.clipByValue(tf.add(x, PROJECT_DELTA[norm](tf.sub(xAdv, x), eps)), 0, 1) as Images;
}

/**
 * Projects `xAdv` onto the threat model's feasible set {x' : ‖x' − x‖ ≤ eps} ∩ [0,1]^d, per sample:
 * the ball first (l_inf: clip δ = xAdv − x to [−eps, eps]; l_2: scale δ by min(1, eps / (‖δ‖₂ + 1e-12))),
 * then the box [0,1] (which keeps the point inside the ball, since x is in the box).
 *
 * Shapes: `xAdv` and `x` `[N,H,W,C]` → `[N,H,W,C]`.
 *
 * @param xAdv - candidate images `[N,H,W,C]` (any values, e.g. after an ascent step).
 * @param x - the clean images `[N,H,W,C]` in [0,1], the ball's centres.
 * @param eps - the budget, a finite number ≥ 0 (in the units of `norm`).
 * @param norm - `'linf'` or `'l2'`.
 * @returns the projected images `[N,H,W,C]` in [0,1] (a new tensor; tidy).
 * @throws {@link RobustError} `INVALID_ARGUMENT` for a non-tensor or non-rank-4 argument, a bad `eps` or `norm`;
 *   `SHAPE_MISMATCH` when `xAdv` and `x` differ in shape. Only shapes are checked (no download), so it is cheap
 *   enough for every attack step.
 * @example
 * ```ts
 * const next = projectToBall(tf.add(xAdv, tf.mul(stepSize, ascentDirection(g, 'linf'))), x, 8 / 255, 'linf');
 * ```
 */
export function projectToBall(xAdv: tf.Tensor4D, x: Images, eps: number, norm: Norm): Images {
  const fn = 'projectToBall';
  assertTensor4D(x, 'x', fn);
  assertTensor4D(xAdv, 'xAdv', fn, { name: 'x', t: x });
  assertEpsNorm(eps, norm, fn);
  return tf.tidy(() => projectToBallImpl(xAdv, x, eps, norm));
}
