import { assert, assertNumber, describeValue } from '@robustjs/core';

/** A proportion with its 95 % Wilson score interval. */
export interface Proportion {
  /** Successes k. */
  readonly successes: number;
  /** Trials n. */
  readonly n: number;
  /** k / n (0 when n = 0). */
  readonly rate: number;
  /** The 95 % Wilson score interval `[low, high]` (`[0, 1]` when n = 0). */
  readonly ci95: readonly [number, number];
}

const Z95 = 1.959963984540054;

/**
 * A proportion with its 95 % Wilson score interval (Wilson 1927): centre (k + z²/2)/(n + z²), half-width
 * z·√(k(n−k)/n + z²/4)/(n + z²), z = 1.96. Unlike the Wald interval it stays inside [0, 1] and keeps its
 * coverage near 0 % and 100 %.
 *
 * @param successes - k, an integer in [0, n].
 * @param n - trials, an integer ≥ 0.
 * @returns the {@link Proportion}.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for non-integers or k outside [0, n].
 * @example
 * ```ts
 * wilson(154, 500).ci95; // [0.269, 0.350]
 * ```
 */
export function wilson(successes: number, n: number): Proportion {
  assertNumber(n, 'n', 'wilson', { integer: true, min: 0 });
  assertNumber(successes, 'successes', 'wilson', { integer: true, min: 0, max: n });
  if (n === 0) return { successes, n, rate: 0, ci95: [0, 1] };
  const z2 = Z95 * Z95;
  const centre = (successes + z2 / 2) / (n + z2);
  const half = (Z95 * Math.sqrt((successes * (n - successes)) / n + z2 / 4)) / (n + z2);
  return { successes, n, rate: successes / n, ci95: [Math.max(0, centre - half), Math.min(1, centre + half)] };
}

/** A paired difference of two accuracies on the same images, with its 95 % interval. */
export interface PairedDifference {
  /** Images compared. */
  readonly n: number;
  /** accuracy(b) − accuracy(a). */
  readonly difference: number;
  /** Images right under b and wrong under a. */
  readonly bOnly: number;
  /** Images right under a and wrong under b. */
  readonly aOnly: number;
  /** The 95 % interval of the difference (normal approximation on the per-image differences). */
  readonly ci95: readonly [number, number];
}

/**
 * The difference of two accuracies measured on the same images (e.g. SSNI-N minus DiffPure), with a 95 %
 * interval that uses the pairing: per image d = [b right] − [a right] ∈ {−1, 0, 1}; Δ = mean(d), interval
 * Δ ± 1.96·sd(d)/√n. Only discordant images (one right, one wrong) carry information, so paired intervals are
 * much narrower than the difference of two independent intervals.
 *
 * @param a - per-image correctness under the base (true = right), in image order.
 * @param b - per-image correctness under the method, same images, same order.
 * @returns the {@link PairedDifference}.
 * @throws {@link @robustjs/core!index.RobustError} `SHAPE_MISMATCH` when the lists differ in length,
 *   `INVALID_ARGUMENT` when they are not arrays of booleans.
 * @example
 * ```ts
 * pairedDifference([true, false, true], [true, true, true]).difference; // 1/3
 * ```
 */
export function pairedDifference(a: readonly boolean[], b: readonly boolean[]): PairedDifference {
  const fn = 'pairedDifference';
  for (const [name, v] of [['a', a], ['b', b]] as const) {
    assert(Array.isArray(v) && v.every((e) => typeof e === 'boolean'), 'INVALID_ARGUMENT', () =>
      `Argument '${name}' passed to '${fn}' must be an array of booleans (per-image correctness), got ${describeValue(v)}.`);
  }
  assert(a.length === b.length, 'SHAPE_MISMATCH', () =>
    `Arguments 'a' and 'b' passed to '${fn}' must hold the same images, got ${a.length} and ${b.length} entries.`);
  const n = a.length;
  let aOnly = 0;
  let bOnly = 0;
  for (let i = 0; i < n; i++) {
    if (a[i] && !b[i]) aOnly++;
    if (b[i] && !a[i]) bOnly++;
  }
  if (n === 0) return { n, difference: 0, aOnly, bOnly, ci95: [-1, 1] };
  const mean = (bOnly - aOnly) / n;
  const variance = n > 1 ? (aOnly + bOnly - n * mean * mean) / (n - 1) : 0;
  const half = Z95 * Math.sqrt(Math.max(variance, 0) / n);
  return { n, difference: mean, aOnly, bOnly, ci95: [Math.max(-1, mean - half), Math.min(1, mean + half)] };
}
