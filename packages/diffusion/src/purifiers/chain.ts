import * as tf from '@tensorflow/tfjs';
import { checkpointed, type ChainStep } from '@robustjs/core';

/**
 * How gradients flow through a purifier when an attack differentiates it:
 * - `'full'`: plain backpropagation through every step (memory grows with the number of steps);
 * - `'checkpoint'`: the same gradient, with memory that does not grow with the number of steps: each step keeps
 *   only its input, and the backward pass recomputes the step (with the same noise) to differentiate it
 *   (gradient checkpointing, core's `checkpointed`; about one extra forward pass of cost). Only the input's
 *   gradient flows; the network's weights get none in this mode;
 * - `'bpda'`: the purifier's Jacobian is taken as the identity (Athalye et al. 2018): the forward pass runs
 *   untaped and `dL/dx = dL/d purified`.
 * A shorter surrogate chain (the papers attack with 20 steps where the defense uses 100) is a purifier with
 * fewer steps: `purifier.with({ steps: 20 })`, combinable with any mode.
 */
export type GradientMode = 'full' | 'checkpoint' | 'bpda';

/** A deterministic step of a chain (core's `ChainStep`): same input → same output. */
export type { ChainStep };

/**
 * Runs a chain of steps with the given gradient mode (internal).
 *
 * @param u - the chain's input.
 * @param guide - the guidance target passed to every step.
 * @param steps - the steps, in order.
 * @param mode - `'full'` or `'checkpoint'` (BPDA is applied around the whole purifier with core's `bpdaIdentity`).
 * @returns the chain's output.
 */
export function runChain(u: tf.Tensor4D, guide: tf.Tensor4D, steps: readonly ChainStep[], mode: 'full' | 'checkpoint'): tf.Tensor4D {
  let cur = u;
  for (const step of steps) {
    const next = mode === 'full' ? step(cur, guide) : checkpointStep(step)(cur, guide);
    if (cur !== u) cur.dispose();
    cur = next;
  }
  return cur === u ? tf.clone(u) : cur;
}

/**
 * Wraps one step with core's {@link checkpointed} (internal): a step that reads the guide is checkpointed in both
 * inputs; one that does not is checkpointed in `u` alone (it never reads its guide argument, which is given `u`),
 * so no gradient is routed to the guide.
 */
function checkpointStep(step: ChainStep): (u: tf.Tensor4D, guide: tf.Tensor4D) => tf.Tensor4D {
  if (step.usesGuide === true) return checkpointed((u: tf.Tensor4D, g: tf.Tensor4D) => step(u, g));
  const f = checkpointed((u: tf.Tensor4D) => step(u, u));
  return (u) => f(u);
}
