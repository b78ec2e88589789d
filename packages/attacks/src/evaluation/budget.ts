import { assert, assertNumber, describeValue } from '@robustjs/core';

/** The iteration budget every PGD-style evaluation attack takes (internal). */
export interface PgdBudget {
  /** Iterations, an integer ≥ 0. */
  readonly steps: number;
  /** Step size > 0, or null/undefined for 2.5·ε/steps. */
  readonly stepSize?: number | null;
  /** Draws per gradient, an integer ≥ 1. */
  readonly eot: number;
  /** Images per model call, an integer ≥ 1. */
  readonly chunkSize: number;
  /** Start from a random point of the ε-ball. */
  readonly randomStart?: boolean;
}

/**
 * Checks a PGD-style budget (steps, stepSize, eot, chunkSize and, when present, randomStart) with the
 * errors every evaluation attack gives, and returns the step size given (null: 2.5·ε/steps) (internal).
 *
 * @param o - the resolved options.
 * @param fn - the attack factory, for messages.
 * @returns the given step size or null.
 * @throws RobustError `INVALID_ARGUMENT` / `OUT_OF_RANGE` naming the option.
 */
export function checkBudget(o: PgdBudget, fn: string): number | null {
  assertNumber(o.steps, 'steps', fn, { integer: true, min: 0 });
  const givenStep = o.stepSize ?? null;
  if (givenStep !== null) assertNumber(givenStep, 'stepSize', fn, { greaterThan: 0 });
  assertNumber(o.eot, 'eot', fn, { integer: true, min: 1 });
  assertNumber(o.chunkSize, 'chunkSize', fn, { integer: true, min: 1 });
  if ('randomStart' in o) {
    assert(typeof o.randomStart === 'boolean', 'INVALID_ARGUMENT', () =>
      `Option 'randomStart' passed to '${fn}' must be true or false, got ${describeValue(o.randomStart)}.`);
  }
  return givenStep;
}
