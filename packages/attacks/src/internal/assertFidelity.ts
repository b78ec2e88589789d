import { assert } from '@robustjs/core';
import type { Fidelity } from '../fidelity';

/** The valid fidelities, for messages and checks. */
const FIDELITIES: Record<Fidelity, true> = { reference: true, paper: true };

/** Throws a RobustError naming `fn` when `fidelity` is not one of the valid fidelities. */
export function assertFidelity(fidelity: unknown, fn: string): asserts fidelity is Fidelity {
  const valid = typeof fidelity === 'string' && Object.prototype.hasOwnProperty.call(FIDELITIES, fidelity);
  assert(valid, 'INVALID_ARGUMENT', () =>
    `Option 'fidelity' passed to '${fn}' must be one of ${Object.keys(FIDELITIES).map((f) => `'${f}'`).join(', ')}, ` +
    `got ${JSON.stringify(fidelity)}. Use 'reference' to reproduce fra31/auto-attack, 'paper' for robustjs's ` +
    'earlier variant.');
}
