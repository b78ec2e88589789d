import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';

/**
 * Runs `f` (which calls `tf.grads`) from inside a backward pass. tfjs keeps one active tape in the engine: a
 * nested gradient would replace the outer tape and set it to null when done, so the outer backward pass would
 * crash when it cleans up; the outer tape is restored here.
 */
function nestedGrad<T>(f: () => T): T {
  // The engine's tape is not public API: this tfjs adapter reads and restores it (tfjs 4.22).
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const outer = state.activeTape;
  try {
    return f();
  } finally {
    state.activeTape = outer;
  }
}

/**
 * Gradient checkpointing for one deterministic step: the forward pass keeps only the step's inputs (none of its
 * intermediate tensors), and the backward pass recomputes the step from them to differentiate it. The gradient
 * is the same as plain backpropagation through `step` (it is the same computation, run again), for about one
 * extra forward pass of cost; the memory of a chain of checkpointed steps does not grow with its length.
 *
 * `step` must be deterministic (the same inputs give the same output: draw its noise from a fixed seed), and
 * gradients flow to its tensor arguments only (variables it closes over, e.g. network weights, get none).
 *
 * Shapes: any tensors → any tensor; one gradient per argument, of its shape.
 *
 * @param step - the step, a function of one or more tensors returning a tensor.
 * @returns the step wrapped: same value, checkpointed gradient.
 * @throws {@link RobustError} `INVALID_ARGUMENT` when `step` is not a function; tfjs's own error (at call time)
 *   when an argument is not a tensor.
 * @example
 * ```ts
 * const step = checkpointed((u: tf.Tensor4D) => tf.tanh(tf.mul(u, 2)) as tf.Tensor4D);
 * const g = tf.grad((x: tf.Tensor) => tf.sum(step(step(x as tf.Tensor4D))))(x); // the gradient without checkpointed
 * ```
 */
export function checkpointed<A extends tf.Tensor[], R extends tf.Tensor>(step: (...xs: A) => R): (...xs: A) => R {
  assert(typeof step === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'step' passed to 'checkpointed' must be a function of tensors returning a tensor, got ${describeValue(step)}.`);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args.slice(0, -1) as A;
    save(xs);
    return {
      value: step(...xs),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => nestedGrad(() => tf.grads((...a: tf.Tensor[]) => step(...(a as A)))(saved, dy)),
    };
  });
  return (...xs) => op(...xs) as R;
}
