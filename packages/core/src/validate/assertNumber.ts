import { assert, describeValue } from '../errors';

/** Constraints of {@link assertNumber}. */
export interface AssertNumberOptions {
  /** Inclusive lower bound. */
  readonly min?: number;
  /** Inclusive upper bound. */
  readonly max?: number;
  /** Exclusive lower bound (e.g. `0` for "strictly positive"). */
  readonly greaterThan?: number;
  /** Require a whole number. */
  readonly integer?: boolean;
}

/**
 * Checks that `value` is a finite number satisfying the given bounds.
 *
 * @param value - the candidate.
 * @param name - the argument or option name.
 * @param fn - the public function that received it.
 * @param options - bounds: `min`, `max`, `greaterThan`, `integer`.
 * @throws {@link RobustError} `INVALID_ARGUMENT` (not a finite number, not an integer) or `OUT_OF_RANGE`.
 * @example
 * ```ts
 * assertNumber(steps, 'steps', 'pgd', { integer: true, min: 1 });
 * ```
 */
export function assertNumber(value: unknown, name: string, fn: string, options: AssertNumberOptions = {}): asserts value is number {
  const where = `Argument '${name}' passed to '${fn}'`;
  assert(typeof value === 'number' && Number.isFinite(value), 'INVALID_ARGUMENT', () =>
    `${where} must be a finite number, got ${describeValue(value)}.`);
  if (options.integer) {
    assert(Number.isInteger(value), 'INVALID_ARGUMENT', () => `${where} must be a whole number, got ${value}. Round it first.`);
  }
  const { min, max, greaterThan } = options;
  assert(min === undefined || value >= min, 'OUT_OF_RANGE', () => `${where} must be ≥ ${min}, got ${value}.`);
  assert(max === undefined || value <= max, 'OUT_OF_RANGE', () => `${where} must be ≤ ${max}, got ${value}.`);
  assert(greaterThan === undefined || value > greaterThan, 'OUT_OF_RANGE', () => `${where} must be > ${greaterThan}, got ${value}.`);
}
