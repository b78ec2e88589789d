import * as tf from '@tensorflow/tfjs';

/**
 * Runs `f(x)` off the gradient tape (internal). tfjs has no public `no_grad`; a `tf.customGrad` forward pass runs
 * as one kernel, and the engine records nothing while a kernel runs, so none of `f`'s intermediate tensors are
 * kept for a backward pass even when the caller is inside `tf.grad` (an attack's loss). The result is a constant
 * for autodiff: its gradient with respect to `x` is zero.
 *
 * @param f - the computation; it may read tensors synchronously.
 * @returns `f` wrapped: same value, no tape, zero gradient.
 */
export function untaped<R extends tf.Tensor>(f: (x: tf.Tensor4D) => R): (x: tf.Tensor4D) => R {
  const g = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor4D;
    return { value: f(x), gradFunc: () => tf.zerosLike(x) };
  });
  return (x) => g(x) as R;
}
