import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';

/**
 * BPDA with the identity as the backward pass (Athalye, Carlini & Wagner, "Obfuscated gradients give a false
 * sense of security", ICML 2018, §4.1): the value is `forward(x)`, computed off the tape, and the gradient is
 * passed straight through, `dL/dx = dL/d forward(x)` ("∇_x f(x) ≈ ∇_x x").
 *
 * Use it around a purifier or preprocessing whose gradient is unusable (quantisation, a long diffusion chain).
 * `forward` need not be differentiable; nothing it computes is kept for the backward pass.
 *
 * Shapes: `x` of any shape → `forward(x)` of the same shape (an identity Jacobian needs it).
 *
 * @param forward - the transform, e.g. images `[N,H,W,C]` → `[N,H,W,C]`; it must keep the shape.
 * @returns the transform with forward's values and the identity's gradient.
 * @throws {@link RobustError} `INVALID_ARGUMENT` when `forward` is not a function; `SHAPE_MISMATCH` (at call
 *   time) when `forward` does not return a tensor of its input's shape.
 * @example
 * ```ts
 * const quantise = bpdaIdentity((x: tf.Tensor4D) => tf.div(tf.round(tf.mul(x, 8)), 8) as tf.Tensor4D);
 * const g = tf.grad((x: tf.Tensor) => tf.sum(classifier(quantise(x as tf.Tensor4D))))(x);
 * ```
 */
export function bpdaIdentity<T extends tf.Tensor>(forward: (x: T) => T): (x: T) => T {
  assert(typeof forward === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'forward' passed to 'bpdaIdentity' must be a function of one tensor, got ${describeValue(forward)}.`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as T;
    const value: unknown = forward(x);
    assert(value instanceof tf.Tensor && value.rank === x.rank && (value.shape as readonly number[]).every((d, i) => d === x.shape[i]), 'SHAPE_MISMATCH', () =>
      `Argument 'forward' passed to 'bpdaIdentity' must return a tensor of its input's shape ${describeValue(x.shape)}, got ` +
        `${value instanceof tf.Tensor ? describeValue(value.shape) : describeValue(value)}. BPDA's identity backward needs the shape kept.`);
    return { value: value as T, gradFunc: (dy: tf.Tensor) => tf.clone(dy) };
  });
  return (x) => op(x) as T;
}
