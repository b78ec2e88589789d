import { assert, describeValue } from '../errors';

/**
 * Merges user options over a component's defaults, once, and freezes the result.
 * Unknown keys are rejected (a misspelt option never passes silently), and a given value
 * must have the same JavaScript type as its default unless the default is `undefined`.
 *
 * @param fn - the public function or component the options belong to (used in messages).
 * @param defaults - the complete defaults object (e.g. declared `as const`).
 * @param given - the user's partial options; `undefined` means "all defaults".
 * @returns the frozen merged options.
 * @throws {@link RobustError} `UNKNOWN_OPTION` naming the bad key and listing the valid ones;
 *   `INVALID_ARGUMENT` when `given` is not a plain object or a value has the wrong type.
 * @example
 * ```ts
 * const PGD_DEFAULTS = { eps: 8 / 255, steps: 10, seed: undefined as number | undefined } as const;
 * const cfg = resolveOptions('pgd', PGD_DEFAULTS, { steps: 20 }); // { eps: 0.031…, steps: 20, seed: undefined }
 * ```
 */
export function resolveOptions<D extends object>(fn: string, defaults: D, given?: Partial<{ [K in keyof D]: unknown }>): Readonly<D> {
  if (given === undefined) return Object.freeze({ ...defaults });
  assert(typeof given === 'object' && given !== null && !Array.isArray(given), 'INVALID_ARGUMENT', () =>
    `Argument 'options' passed to '${fn}' must be a plain object, got ${describeValue(given)}.`);
  const valid = Object.keys(defaults);
  for (const [key, value] of Object.entries(given)) {
    assert(Object.prototype.hasOwnProperty.call(defaults, key), 'UNKNOWN_OPTION', () =>
      `Unknown option '${key}' passed to '${fn}'. Valid options: ${valid.join(', ')}.`);
    const def = (defaults as Record<string, unknown>)[key];
    if (def !== undefined && value !== undefined) {
      assert(typeof value === typeof def, 'INVALID_ARGUMENT', () =>
        `Option '${key}' passed to '${fn}' must be a ${typeof def}, got ${describeValue(value)}.`);
    }
  }
  const merged: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [key, value] of Object.entries(given)) if (value !== undefined) merged[key] = value;
  return Object.freeze(merged) as Readonly<D>;
}
