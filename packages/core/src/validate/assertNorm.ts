import { assert, describeValue } from '../errors';
import type { Norm } from '../types';

/** The valid norms, for the check and the message. */
const NORMS: Readonly<Record<Norm, true>> = { linf: true, l2: true };

/**
 * Checks that `norm` is one of the threat-model norms, `'linf'` or `'l2'`.
 *
 * @param norm - the candidate value (usually an option).
 * @param fn - the public function that received it, for the message (e.g. `'pgd'`).
 * @throws {@link RobustError} `INVALID_ARGUMENT` when `norm` is not `'linf'` or `'l2'`; the message lists both.
 * @example
 * ```ts
 * assertNorm(options.norm, 'pgd');
 * ```
 */
export function assertNorm(norm: unknown, fn: string): asserts norm is Norm {
  assert(typeof norm === 'string' && Object.hasOwn(NORMS, norm), 'INVALID_ARGUMENT', () =>
    `Option 'norm' passed to '${fn}' must be one of ${Object.keys(NORMS).map((n) => `'${n}'`).join(', ')}, got ${describeValue(norm)}.`);
}
