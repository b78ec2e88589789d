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
  /** The 95 % interval of the difference: Tango's asymptotic score interval (see {@link pairedDifference}). */
  readonly ci95: readonly [number, number];
}

/**
 * Tango's score statistic for the paired difference δ: (bOnly − aOnly − nδ) / √(n(2q + δ(1 − δ))), q the
 * maximum-likelihood P(a right, b wrong) under δ (the larger root of 2n·q² + B·q + C = 0 with
 * B = (2n − bOnly + aOnly)δ − bOnly − aOnly, C = −aOnly·δ(1 − δ)). Decreasing in δ; 0 at the estimate.
 */
function tangoScore(n: number, bOnly: number, aOnly: number, delta: number): number {
  const B = (2 * n - bOnly + aOnly) * delta - bOnly - aOnly;
  const C = -aOnly * delta * (1 - delta);
  const root = Math.sqrt(Math.max(B * B - 8 * n * C, 0));
  // the larger root, written so that neither branch subtracts nearly equal numbers
  const q = B <= 0 ? (root - B) / (4 * n) : (-2 * C) / (B + root);
  const variance = n * (2 * q + delta * (1 - delta));
  const centred = bOnly - aOnly - n * delta;
  if (variance <= 0) return centred === 0 ? 0 : centred * Infinity;
  return centred / Math.sqrt(variance);
}

/** The δ in [lo, hi] where the decreasing `score` crosses `target`, by 80 bisections (to machine precision). */
function crossing(score: (delta: number) => number, target: number, lo: number, hi: number): number {
  let below = lo;
  let above = hi;
  for (let i = 0; i < 80; i++) {
    const mid = (below + above) / 2;
    if (score(mid) > target) below = mid;
    else above = mid;
  }
  return (below + above) / 2;
}

/**
 * The difference of two accuracies measured on the same images (e.g. SSNI-N minus DiffPure), with Tango's
 * 95 % asymptotic score interval (Tango 1998, recommended for paired proportions by Fagerland, Lydersen and
 * Laake 2014): the δ whose score statistic (bOnly − aOnly − nδ)/SE(δ) lies within ±1.96, SE from the
 * discordant-cell probabilities fitted under δ. Only discordant images (one right, one wrong) carry
 * information, so paired intervals are much narrower than the difference of two independent intervals. Unlike
 * the Wald interval on the per-image differences it keeps its coverage with few discordant images and never
 * collapses to a point: with none of n images, it is ±δ₀ with nδ₀/(1 − δ₀) = 1.96². It excludes 0 exactly
 * when McNemar's test (no continuity correction) rejects at 5 %.
 *
 * @param a - per-image correctness under the base (true = right), in image order.
 * @param b - per-image correctness under the method, same images, same order.
 * @returns the {@link PairedDifference}; for no images, difference 0 and interval [−1, 1].
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
  const difference = (bOnly - aOnly) / n;
  const score = (delta: number): number => tangoScore(n, bOnly, aOnly, delta);
  const low = crossing(score, Z95, -1, difference);
  const high = crossing(score, -Z95, difference, 1);
  return { n, difference, aOnly, bOnly, ci95: [low, high] };
}
