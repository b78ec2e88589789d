import type { Defense, DefenseInfo, Images, JsonValue, Labels } from '@robustjs/core';
import type { Norm } from '../types';

/** The threat model of an evaluation: every adversarial image must lie within `eps` of its clean image in `norm`, in [0,1]. */
export interface ThreatModel {
  /** `'linf'` or `'l2'`. */
  readonly norm: Norm;
  /** The budget ε ≥ 0 in `norm`. */
  readonly eps: number;
}

/** What {@link EvaluationAttack.run} gets besides the batch. */
export interface EvaluationAttackContext {
  /** The threat model. */
  readonly threat: ThreatModel;
  /** This batch's (and restart's) attack seed, an integer ≥ 1: the same seed gives the same adversarial images. */
  readonly seed: number;
  /** Called with the number of the batch's images attacked so far (for progress bars). */
  readonly onProgress?: (done: number) => void;
}

/**
 * An attack the evaluator runs against any {@link Defense} through its attack surface. It returns one or more
 * candidate adversarial batches (e.g. DAD's three objectives); an image counts as robust only if the defense
 * classifies it correctly on every candidate of every attack and restart (per-sample worst case).
 *
 * @example
 * ```ts
 * const attack = pgdEotAttack({ steps: 20, eot: 4 });
 * const [xAdv] = attack.run(defense, x, y, { threat: { norm: 'linf', eps: 0.1 }, seed: 1 });
 * ```
 */
export interface EvaluationAttack {
  /** The attack's name in reports, e.g. `'pgd-eot'`. */
  readonly name: string;
  /** Every setting that changes a number, as JSON (steps, step size, EOT draws, objectives, …). */
  readonly settings: { readonly [key: string]: JsonValue };
  /** Names of the candidates `run` returns, in order, when it returns several (DAD: its objectives); reported with them. */
  readonly candidates?: readonly string[];
  /**
   * Mixed batches (an attacker who controls only part of each test batch, Chen et al. 2022): the number of images
   * of a batch of `size` the attacker controls, the first ones; every candidate must return the others unchanged
   * (the evaluator checks it), and reports count the controlled images ("attacked") and the others ("bystanders")
   * apart. Absent: the attacker controls the whole batch.
   * @param size - images in the batch.
   * @returns an integer in [1, size].
   */
  controlled?(size: number): number;
  /**
   * Checks that the attack applies to `defense` (e.g. a gradient attack needs a differentiable surface, DAD's
   * attack needs a `statistic` term) and throws `RobustError` before any work otherwise.
   * @param defense - the defense.
   * @param where - where the attack sits, for messages (e.g. `'attacks[1]'`).
   * @param threat - the evaluation's threat model, when known (an attack may support only some norms).
   */
  check(defense: Defense, where: string, threat?: ThreatModel): void;
  /** The attack against `defense`, in words (reported next to every number). */
  describe(defense: Defense): string;
  /**
   * Attacks one batch.
   * @param defense - the defense (the attack uses `defense.surface`).
   * @param x - clean images `[B,H,W,C]` in [0,1].
   * @param y - labels `[B]` int32.
   * @param context - threat model, seed, progress.
   * @returns candidate adversarial batches `[B,H,W,C]`, each within the threat model; the caller disposes them.
   */
  run(defense: Defense, x: Images, y: Labels, context: EvaluationAttackContext): Images[];
}

/** The info records a defense returned for one batch: on the clean batch and on each adversarial candidate. */
export interface BatchInfo {
  /** On the clean batch. */
  readonly clean: DefenseInfo;
  /** On each adversarial candidate, in order (attack, restart, candidate). */
  readonly adversarial: readonly { readonly attack: string; readonly restart: number; readonly candidate: number; readonly info: DefenseInfo }[];
}
