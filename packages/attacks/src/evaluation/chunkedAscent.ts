import * as tf from '@tensorflow/tfjs';
import { ascentDirection, projectToBall, randomStartInBall, seedStream } from '@robustjs/core';
import type { Images, Labels } from '@robustjs/core';
import { attackInChunks } from './chunks';
import type { EvaluationAttackContext } from './types';

/** What {@link chunkedAscent} runs (internal). */
export interface AscentPlan {
  /** Ascent iterations. */
  readonly steps: number;
  /** Step size; `null` = 2.5·ε/steps. */
  readonly stepSize: number | null;
  /** Start from a uniform point of the ε-ball (else from x). */
  readonly randomStart: boolean;
  /** Images per chunk. */
  readonly chunkSize: number;
  /**
   * The ascent direction's raw gradient for one chunk at the iterate `xAdv` `[B,H,W,C]` (labels
   * `[B]`, clean `x`), with `nextSeed` giving this chunk's next draw seed; the caller disposes the
   * result.
   */
  readonly gradient: (xAdv: Images, x: Images, y: Labels, nextSeed: () => number) => Images;
}

/**
 * Projected gradient ascent over the batch in chunks (internal; shared by DiffAttack and Diff-PGD):
 * chunk c gets seed s_c = the c-th `nextSeed()` of the batch seed; its random start uses s_c and
 * its gradient draws the seeds of `seedStream(s_c)` in order. Each iterate is `Π(x' + stepSize ·
 * ascentDirection(g))`, Π the projection onto the ε-ball ∩ [0,1].
 *
 * @returns the adversarial batch `[B,H,W,C]`.
 */
export function chunkedAscent(
  plan: AscentPlan,
  x: Images,
  y: Labels,
  context: EvaluationAttackContext,
): Images {
  const { norm, eps } = context.threat;
  const stepSize = plan.stepSize ?? (2.5 * eps) / Math.max(plan.steps, 1);
  const chunks = { chunkSize: plan.chunkSize, seed: context.seed, onProgress: context.onProgress };
  return attackInChunks(x, y, chunks, (xb, yb, chunkSeed) => {
    const draws = seedStream(chunkSeed);
    let xAdv =
      plan.randomStart && eps > 0 ? randomStartInBall(xb, eps, norm, chunkSeed) : tf.clone(xb);
    for (let k = 0; k < plan.steps; k++) {
      const g = plan.gradient(xAdv, xb, yb, () => draws.nextSeed());
      const next = tf.tidy(() =>
        projectToBall(tf.add(xAdv, tf.mul(stepSize, ascentDirection(g, norm))), xb, eps, norm),
      );
      tf.dispose([g, xAdv]);
      xAdv = next;
    }
    return xAdv;
  });
}
