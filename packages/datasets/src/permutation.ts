import { assertNumber, seedStream } from '@robustjs/core';

/**
 * A seeded random permutation of `0..n-1` (Fisher–Yates driven by core's `seedStream`): the same
 * `(n, seed)` gives the same order on every platform.
 *
 * @param n - the length, an integer ≥ 0.
 * @param seed - an integer seed; default `0`.
 * @returns an `Int32Array` holding each of `0..n-1` once.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` when `n` is not an integer ≥ 0 or
 *   `seed` is not an integer.
 * @example
 * ```ts
 * permutation(5, 42); // e.g. Int32Array [3, 0, 4, 1, 2], the same for every call with seed 42
 * ```
 */
export function permutation(n: number, seed = 0): Int32Array {
  assertNumber(n, 'n', 'permutation', { integer: true, min: 0, max: 2 ** 31 - 1 });
  assertNumber(seed, 'seed', 'permutation', { integer: true });
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  const rng = seedStream(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor((rng.next() / 2 ** 31) * (i + 1));
    const t = out[i] as number;
    out[i] = out[j] as number;
    out[j] = t;
  }
  return out;
}
