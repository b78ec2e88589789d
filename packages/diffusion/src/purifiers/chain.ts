import * as tf from '@tensorflow/tfjs';

/**
 * How gradients flow through a purifier when an attack differentiates it:
 * - `'full'`: plain backpropagation through every step (memory grows with the number of steps);
 * - `'checkpoint'`: the same gradient, with memory that does not grow with the number of steps: each step keeps
 *   only its input, and the backward pass recomputes the step (with the same noise) to differentiate it
 *   (gradient checkpointing via `tf.customGrad`; about one extra forward pass of cost). Only the input's
 *   gradient flows; the network's weights get none in this mode;
 * - `'bpda'`: the purifier's Jacobian is taken as the identity (Athalye et al. 2018): the forward pass runs
 *   untaped and `dL/dx = dL/d purified`.
 * A shorter surrogate chain (the papers attack with 20 steps where the defense uses 100) is a purifier with
 * fewer steps: `purifier.with({ steps: 20 })`, combinable with any mode.
 */
export type GradientMode = 'full' | 'checkpoint' | 'bpda';

/**
 * A deterministic step of a chain: same input → same output (its noise comes from a fixed seed). `guide` is the
 * chain's guidance target (GDMP's input image); steps that read it set `usesGuide`.
 */
export type ChainStep = ((u: tf.Tensor4D, guide: tf.Tensor4D) => tf.Tensor4D) & { readonly usesGuide?: boolean };

/**
 * Runs a chain of steps with the given gradient mode (internal).
 *
 * @param u - the chain's input.
 * @param guide - the guidance target passed to every step.
 * @param steps - the steps, in order.
 * @param mode - `'full'` or `'checkpoint'` (BPDA is applied around the whole purifier, see {@link bpdaWrap}).
 * @returns the chain's output.
 */
export function runChain(u: tf.Tensor4D, guide: tf.Tensor4D, steps: readonly ChainStep[], mode: 'full' | 'checkpoint'): tf.Tensor4D {
  let cur = u;
  for (const step of steps) {
    const next = mode === 'full' ? step(cur, guide) : checkpointed(step)(cur, guide);
    if (cur !== u) cur.dispose();
    cur = next;
  }
  return cur === u ? tf.clone(u) : cur;
}

/**
 * Runs `f` (which calls `tf.grad`) from inside a backward pass. tfjs keeps one active tape in the engine: a
 * nested `tf.grad` would replace the outer tape and set it to null when done, so the outer backward pass would
 * crash when it cleans up; the outer tape is restored here.
 */
function nestedGrad<T>(f: () => T): T {
  const state = (tf.engine() as unknown as { state: { activeTape: unknown } }).state;
  const outer = state.activeTape;
  try {
    return f();
  } finally {
    state.activeTape = outer;
  }
}

/** Wraps one step so its backward pass recomputes it from the saved inputs (gradient checkpointing). */
export function checkpointed(step: ChainStep): (u: tf.Tensor4D, guide: tf.Tensor4D) => tf.Tensor4D {
  if (step.usesGuide === true) {
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [u, g, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      save([u, g]);
      return {
        value: step(u as tf.Tensor4D, g as tf.Tensor4D),
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => nestedGrad(() =>
          tf.grads((a: tf.Tensor, b: tf.Tensor) => step(a as tf.Tensor4D, b as tf.Tensor4D))([saved[0]!, saved[1]!], dy)),
      };
    });
    return (u, g) => f(u, g) as tf.Tensor4D;
  }
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [u, save] = args as [tf.Tensor, tf.GradSaveFunc];
    save([u]);
    return {
      value: step(u as tf.Tensor4D, u as tf.Tensor4D),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        nestedGrad(() => tf.grad((v: tf.Tensor) => step(v as tf.Tensor4D, v as tf.Tensor4D))(saved[0]!, dy)),
    };
  });
  return (u) => f(u) as tf.Tensor4D;
}

/**
 * Wraps a whole image-to-image function with BPDA: the forward value is `f(x)`, the backward pass is the
 * identity (`dL/dx = dL/df`).
 *
 * @param f - the function (e.g. a purification).
 * @returns the wrapped function.
 */
export function bpdaWrap(f: (x: tf.Tensor4D) => tf.Tensor4D): (x: tf.Tensor4D) => tf.Tensor4D {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: f(args[0] as tf.Tensor4D),
    gradFunc: (dy: tf.Tensor) => tf.clone(dy),
  })) as (x: tf.Tensor4D) => tf.Tensor4D;
}
