/**
 * DAD's adaptive objectives as data: their names, their wording in reports, and the one check of an objectives
 * list shared by {@link DadDefense.asDefense} and {@link dadAdaptiveEvaluationAttack} (internal helpers apart).
 *
 * @packageDocumentation
 */
import { assert, describeValue } from '@robustjs/core';
import type { DadObjective } from './dadAdaptiveAttack';

/**
 * The objectives the evaluation runs by default, in order: the three that attack the detector. `'denoised'`
 * (PGD+EOT through the always-denoise path) is named explicitly (the committed reports keep their numbers).
 */
export const DAD_OBJECTIVES: readonly DadObjective[] = Object.freeze(['detect', 'evade', 'threshold'] as const);

/** Every objective of {@link dadAdaptiveAttack} (internal: what an objectives list may name). */
const ALL_OBJECTIVES: readonly DadObjective[] = Object.freeze(['detect', 'evade', 'threshold', 'denoised'] as const);

/** Each objective in words (with the default α = 0.01, λ = 100, margin 0.9), as reports print it. */
export const DAD_OBJECTIVE_TEXT: Readonly<Record<DadObjective, string>> = Object.freeze({
  detect: 'ascend MMD + 0.01·CE',
  evade: 'ascend CE − 100·MMD',
  threshold: 'threshold-aware: ascend CE − 100·MMD while MMD > 0.9·θ, else CE; the most misclassifying iterate that passes',
  denoised: 'ascend CE through noise → denoiser → classifier (the always-denoise path), whatever MMD',
});

/**
 * Checks a list of objectives: a non-empty array of distinct objective names (internal).
 *
 * @param value - the list.
 * @param name - the option's name, for the message.
 * @param fn - the calling function, for the message.
 * @throws RobustError `INVALID_ARGUMENT` naming the first bad entry.
 */
export function assertObjectives(value: unknown, name: string, fn: string): asserts value is readonly DadObjective[] {
  const valid = ALL_OBJECTIVES.map((o) => `'${o}'`).join(', ');
  assert(Array.isArray(value) && value.length > 0, 'INVALID_ARGUMENT', () =>
    `Option '${name}' passed to '${fn}' must be a non-empty array of ${valid}, got ${describeValue(value)}.`);
  value.forEach((o: unknown, i) => {
    assert(ALL_OBJECTIVES.includes(o as DadObjective), 'INVALID_ARGUMENT', () =>
      `Option '${name}[${i}]' passed to '${fn}' must be one of ${valid}, got ${describeValue(o)}.`);
    assert(value.indexOf(o) === i, 'INVALID_ARGUMENT', () =>
      `Option '${name}' passed to '${fn}' lists '${String(o)}' twice (at ${value.indexOf(o)} and ${i}). List each objective once; ` +
        'for more draws of one objective use the evaluation\'s restarts.');
  });
}
