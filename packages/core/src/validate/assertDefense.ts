import type { Defense } from '../defense';
import { assert, describeValue } from '../errors';

const SURFACE_GRADIENTS = ['exact', 'surrogate', 'bpda', 'none'];

/**
 * Checks that `value` implements the {@link Defense} contract (methods, surface fields and their types)
 * before any work, so that a malformed user defense fails with one clear message instead of deep inside an
 * evaluation.
 *
 * @param value - the candidate defense.
 * @param name - the argument's name, for the message.
 * @param fn - the calling function, for the message.
 * @throws {@link RobustError} `INVALID_ARGUMENT` naming the first missing or mistyped member.
 * @example
 * ```ts
 * assertDefense(defense, 'defense', 'evaluate');
 * ```
 */
export function assertDefense(value: unknown, name: string, fn: string): asserts value is Defense {
  const d = value as Partial<Defense> | null;
  const fail = (what: string): string =>
    `Argument '${name}' passed to '${fn}' must be a Defense (classify, surface, describe, dispose): ${what}, ` +
    `got ${describeValue(value)}. Build one with a package's defense factory or implement the interface of @robustjs/core.`;
  assert(d !== null && typeof d === 'object', 'INVALID_ARGUMENT', () => fail('not an object'));
  assert(typeof d.label === 'string' && d.label.length > 0, 'INVALID_ARGUMENT', () => fail("'label' is not a non-empty string"));
  for (const m of ['classify', 'describe', 'dispose'] as const) {
    assert(typeof d[m] === 'function', 'INVALID_ARGUMENT', () => fail(`'${m}' is not a function`));
  }
  const s = d.surface;
  assert(s !== null && typeof s === 'object', 'INVALID_ARGUMENT', () => fail("'surface' is not an object"));
  assert(typeof s.model === 'function', 'INVALID_ARGUMENT', () => fail("'surface.model' is not a function"));
  assert(typeof s.randomized === 'boolean', 'INVALID_ARGUMENT', () => fail("'surface.randomized' is not a boolean"));
  assert(SURFACE_GRADIENTS.includes(s.gradient as string), 'INVALID_ARGUMENT', () =>
    fail(`'surface.gradient' is not one of ${SURFACE_GRADIENTS.map((g) => `'${g}'`).join(', ')}`));
  assert(typeof s.description === 'string', 'INVALID_ARGUMENT', () => fail("'surface.description' is not a string"));
  assert(s.terms !== null && typeof s.terms === 'object', 'INVALID_ARGUMENT', () => fail("'surface.terms' is not an object"));
  assert(Array.isArray(s.recommendedAttacks) && s.recommendedAttacks.every((a) => typeof a?.name === 'string'),
    'INVALID_ARGUMENT', () => fail("'surface.recommendedAttacks' is not an array of { name } objects"));
  assert(Number.isInteger(s.minBatchSize) && s.minBatchSize >= 1, 'INVALID_ARGUMENT', () =>
    fail("'surface.minBatchSize' is not an integer ≥ 1"));
}
