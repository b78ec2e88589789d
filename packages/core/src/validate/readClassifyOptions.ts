import type { DefenseClassifyOptions } from '../defense';
import { assertNumber } from './assertNumber';
import { resolveOptions } from './resolveOptions';

/**
 * Reads the options of a {@link Defense}'s `classify`, checked before any work: `seed` an integer ≥ 1 (required),
 * `keepImages` a boolean (default false), no other key. Every robustjs defense reads its options through it.
 *
 * @param options - what the caller passed.
 * @param fn - the classify method, for messages (e.g. `'ssniDefense.classify'`).
 * @returns `{ seed, keepImages }`.
 * @throws {@link RobustError} `INVALID_ARGUMENT` for options that are not an object, a missing or bad seed or a
 *   non-boolean `keepImages`; `UNKNOWN_OPTION` for any other key.
 * @example
 * ```ts
 * const { seed, keepImages } = readClassifyOptions(options, 'myDefense.classify');
 * ```
 */
export function readClassifyOptions(options: unknown, fn: string): { readonly seed: number; readonly keepImages: boolean } {
  const c = resolveOptions(fn, { seed: undefined as number | undefined, keepImages: false }, options as Partial<DefenseClassifyOptions>);
  assertNumber(c.seed, 'seed', fn, { integer: true, min: 1 });
  return { seed: c.seed as number, keepImages: c.keepImages };
}
