import * as tf from '@tensorflow/tfjs';
import type { Images } from '@robustjs/core';
import { assert, seedStream } from '@robustjs/core';
import type { Norm } from '../types';

/** The valid norms, for messages and checks. */
const NORMS: Record<Norm, true> = { linf: true, l2: true };

/** Throws a RobustError naming `fn` when `norm` is not one of the valid norms. */
export function assertNorm(norm: unknown, fn: string): asserts norm is Norm {
  assert(typeof norm === 'string' && Object.prototype.hasOwnProperty.call(NORMS, norm), 'INVALID_ARGUMENT', () =>
    `Option 'norm' passed to '${fn}' must be one of ${Object.keys(NORMS).map((n) => `'${n}'`).join(', ')}, got ${JSON.stringify(norm)}.`);
}

/** Per-sample l2 norm of `t` `[N,H,W,C]` → `[N,1,1,1]`. */
export function l2PerSample(t: tf.Tensor4D): tf.Tensor4D {
  const n = t.shape[0];
  return tf.reshape(tf.sqrt(tf.sum(tf.square(t), [1, 2, 3])), [n, 1, 1, 1]); // [N,1,1,1]
}

/** Projects a perturbation onto the eps-ball of `norm`; `eps` is a number or a per-sample `[N,1,1,1]`. */
const PROJECT_DELTA: Record<Norm, (delta: tf.Tensor4D, eps: number) => tf.Tensor4D> = {
  linf: (delta, eps) => tf.clipByValue(delta, -eps, eps),
  l2: (delta, eps) => tf.mul(delta, tf.minimum(1, tf.div(eps, tf.add(l2PerSample(delta), 1e-12)))) as tf.Tensor4D,
};

/** The steepest-ascent direction of unit norm-size for a gradient: sign for linf, normalised for l2. */
const ASCENT: Record<Norm, (g: tf.Tensor4D) => tf.Tensor4D> = {
  linf: (g) => tf.sign(g),
  l2: (g) => tf.div(g, tf.add(l2PerSample(g), 1e-12)),
};

/** Projection of `xAdv` onto {x' : ||x' − x|| ≤ eps} ∩ [0,1]^d (ball first, then the box, which stays in the ball). */
export function projectToBall(xAdv: Images, x: Images, eps: number, norm: Norm): Images {
  return tf.tidy(() => tf.clipByValue(tf.add(x, PROJECT_DELTA[norm](tf.sub(xAdv, x), eps)), 0, 1) as Images);
}

/** The unit steepest-ascent direction of gradient `g` in `norm`. */
export function ascentDirection(g: tf.Tensor4D, norm: Norm): tf.Tensor4D {
  return tf.tidy(() => ASCENT[norm](g));
}

/** A seeded random point inside the eps-ball ∩ [0,1]: uniform per pixel for linf, a random direction and radius for l2. */
export function randomStart(x: Images, eps: number, norm: Norm, seed: number): Images {
  // tfjs treats seed 0 as "unseeded" in randomNormal: derive non-zero draw seeds from a stream.
  const seeds = seedStream(seed);
  const s1 = seeds.next() + 1;
  const s2 = seeds.next() + 1;
  return tf.tidy(() => {
    const n = x.shape[0];
    const delta =
      norm === 'linf'
        ? tf.randomUniform(x.shape, -eps, eps, 'float32', s1)
        : tf.mul(
            ascentDirection(tf.randomNormal(x.shape, 0, 1, 'float32', s1), 'l2'),
            tf.mul(eps, tf.randomUniform([n, 1, 1, 1], 0, 1, 'float32', s2)),
          );
    return projectToBall(tf.add(x, delta) as Images, x, eps, norm);
  });
}
