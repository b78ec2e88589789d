import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';

/**
 * Wraps `f` so that it runs off the gradient tape: the value is `f(x)`, and its gradient with respect to `x` is
 * zero (a constant for autodiff, like PyTorch's `torch.no_grad()` / `.detach()`).
 *
 * tfjs has no public `no_grad`. The forward pass of a `tf.customGrad` runs as one kernel, and the engine records
 * nothing while a kernel runs, so none of `f`'s intermediate tensors are kept for a backward pass even when the
 * caller is inside `tf.grad` (e.g. a statistic an attack's loss reads but must not differentiate). `f` need not be
 * differentiable.
 *
 * Shapes: any tensor `x` → any tensor; the gradient is `zerosLike(x)`.
 *
 * @param f - the computation; it may read tensors synchronously (`dataSync`). It must return a tf.Tensor.
 * @returns `f` wrapped: same value, nothing taped, zero gradient.
 * @throws {@link RobustError} `INVALID_ARGUMENT` when `f` is not a function; tfjs's own error (at call time) when
 *   `f` does not return a tensor.
 * @example
 * ```ts
 * const norms = untaped((x: tf.Tensor4D) => tf.norm(tf.reshape(x, [x.shape[0], -1]), 2, 1));
 * const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(x, tf.sum(norms(x as tf.Tensor4D)))))(x); // norms is a constant
 * ```
 */
export function untaped<T extends tf.Tensor, R extends tf.Tensor>(f: (x: T) => R): (x: T) => R {
  assert(typeof f === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'f' passed to 'untaped' must be a function of one tensor, got ${describeValue(f)}.`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as T;
    return { value: f(x), gradFunc: () => tf.zerosLike(x) };
  });
  return (x) => op(x) as R;
}
