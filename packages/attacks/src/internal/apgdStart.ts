/*
 * APGD's random start x⁰ in the two fidelities of ../fidelity.ts.
 *
 * 'reference' (`autopgd_base.py`, `attack_single_run`): t ~ U(−1,1)ᵈ for l_inf, t ~ N(0,I) for l_2;
 *   x⁰ = clip(x + eps·t/(‖t‖ + 1e-12), 0, 1) with ‖·‖ = ‖·‖∞ / ‖·‖₂ per sample, so some pixel sits at ±eps (l_inf)
 *   or the start lies on the sphere of radius eps (l_2) before the clip.
 * 'paper': core's `randomStartInBall`: uniform in the l_inf ball, or a random l_2 direction times U(0,1)·eps.
 */
import * as tf from '@tensorflow/tfjs';
import type { Images } from '@robustjs/core';
import { l2NormPerSample, projectToBall, randomStartInBall, seedStream } from '@robustjs/core';
import type { Fidelity } from '../fidelity';
import type { Norm } from '../types';

/** Per-sample ‖t‖ of `norm`, `[N,H,W,C]` → `[N,1,1,1]`. */
const SAMPLE_NORM: Record<Norm, (t: tf.Tensor4D) => tf.Tensor4D> = {
  linf: (t) => tf.max(tf.abs(t), [1, 2, 3], true) as tf.Tensor4D, // [N,1,1,1]
  l2: (t) => l2NormPerSample(t), // [N,1,1,1]
};

/** The reference's draw t of each norm. */
const DRAW: Record<Norm, (shape: [number, number, number, number], seed: number) => tf.Tensor4D> = {
  linf: (shape, seed) => tf.randomUniform(shape, -1, 1, 'float32', seed) as tf.Tensor4D,
  l2: (shape, seed) => tf.randomNormal(shape, 0, 1, 'float32', seed) as tf.Tensor4D,
};

function referenceStart(x: Images, eps: number, norm: Norm, seed: number): Images {
  // tfjs treats seed 0 as "unseeded": draw a non-zero seed from the stream.
  const s1 = seedStream(seed).nextSeed();
  return tf.tidy(() => {
    const t = DRAW[norm](x.shape, s1);
    const delta = tf.mul(eps, tf.div(t, tf.add(SAMPLE_NORM[norm](t), 1e-12)));
    // The clip to [0,1] keeps the ball; the projection only guards float rounding at |δ| = eps.
    return projectToBall(tf.add(x, delta) as Images, x, eps, norm);
  });
}

const START: Record<Fidelity, (x: Images, eps: number, norm: Norm, seed: number) => Images> = {
  reference: referenceStart,
  paper: randomStartInBall,
};

/**
 * APGD's seeded random start x⁰ inside the eps-ball of `norm` around `x` and [0,1].
 *
 * @param x - clean images `[N,H,W,C]` in [0,1].
 * @param eps - the budget.
 * @param norm - `'linf'` or `'l2'`.
 * @param seed - an integer seed.
 * @param fidelity - `'reference'` (eps·t/‖t‖) or `'paper'` (uniform in the ball).
 * @returns x⁰ `[N,H,W,C]`.
 * @example
 * ```ts
 * const x0 = apgdStart(x, 8 / 255, 'linf', 0, 'reference');
 * ```
 */
export function apgdStart(x: Images, eps: number, norm: Norm, seed: number, fidelity: Fidelity): Images {
  return START[fidelity](x, eps, norm, seed);
}
