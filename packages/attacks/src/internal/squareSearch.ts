/*
 * What the Square Attack's random searches share (Andriushchenko, Croce, Flammarion & Hein, ECCV 2020): their
 * inputs, the schedule of the window size (`p_selection` in fra31/auto-attack's square.py), the side of the window
 * and the draw of its corner, each in the two fidelities of ../fidelity.ts.
 */
import type { Fidelity } from '../fidelity';

/** What one random search needs, already validated, with the images flattened sample-major (NHWC). */
export interface SquareSearch {
  readonly clean: Float32Array;
  readonly shape: readonly [number, number, number, number];
  readonly eps: number;
  readonly queries: number;
  readonly pInit: number;
  /** Whether the p schedule is rescaled to `queries` (the reference's `resc_schedule`). */
  readonly rescale: boolean;
  /** `'reference'`: square.py's corner range, rounding and one window per iteration for the batch; `'paper'`: not. */
  readonly fidelity: Fidelity;
  /** Uniform draws in [0,1) from the attack's seed. */
  readonly uniform: () => number;
  /** Margins z_y − max_{k≠y} z_k of the given samples of `data` (laid out sample-major). */
  readonly margins: (data: Float32Array, samples: number[]) => Float64Array;
}

/** The iterations (of 10 000, or of any budget when not rescaled) after which p halves, from square.py. */
const HALVINGS = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];

/**
 * The reference schedule `p_selection`: p = pInit halved once for each of 10, 50, 200, 500, 1000, 2000, 4000, 6000,
 * 8000 that the iteration index exceeds. With `rescale` the index is first mapped to ⌊it/queries·10 000⌋ (the
 * reference's standalone default); without it the raw iteration is used (what AutoAttack's Square does).
 *
 * @param pInit - the initial fraction p of pixels in the window.
 * @param it - the iteration, 0-based.
 * @param queries - the query budget N.
 * @param rescale - map `it` onto a 10 000-query schedule first.
 * @returns p at iteration `it`.
 * @example
 * ```ts
 * pSelection(0.8, 2, 1000, true); // 0.4: iteration 2 of 1000 is iteration 20 of 10 000
 * pSelection(0.8, 2, 1000, false); // 0.8
 * ```
 */
export function pSelection(pInit: number, it: number, queries: number, rescale: boolean): number {
  const i = rescale ? Math.floor((it / queries) * 10000) : it;
  return pInit / 2 ** HALVINGS.filter((b) => i > b).length;
}

/** Python 3's `round`: to the nearest integer, halves to the even one. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The unclamped side round(√(p·H·W)) of each fidelity: square.py rounds √(p·n_features/c) half to even. */
const SIDE: Record<Fidelity, (p: number, h: number, w: number, c: number) => number> = {
  reference: (p, h, w, c) => roundHalfEven(Math.sqrt((p * (c * h * w)) / c)),
  paper: (p, h, w) => Math.round(Math.sqrt(p * h * w)),
};

/**
 * The window side before its norm-specific clamping: round(√(p·H·W)).
 *
 * @param p - the current fraction of pixels, from {@link pSelection}.
 * @param shape - `[N,H,W,C]` of the images.
 * @param fidelity - `'reference'` rounds halves to even like Python, `'paper'` up like `Math.round`.
 * @returns the side, an integer ≥ 0.
 * @example
 * ```ts
 * squareSide(0.05, [1, 5, 5, 1], 'reference'); // √1.25 → 1
 * ```
 */
export function squareSide(p: number, shape: readonly [number, number, number, number], fidelity: Fidelity): number {
  const [, h, w, c] = shape;
  return SIDE[fidelity](p, h, w, c);
}

/** The corner of each fidelity from one uniform draw: square.py's `random_int(0, extent − side)` excludes its top. */
const CORNER: Record<Fidelity, (u: number, extent: number, side: number) => number> = {
  reference: (u, extent, side) => Math.floor(u * (extent - side)),
  paper: (u, extent, side) => Math.floor(u * (extent - side + 1)),
};

/**
 * The first row (or column) of a window of `side` pixels along an axis of `extent` pixels, from one uniform draw.
 *
 * @param u - a uniform draw in [0,1).
 * @param extent - H or W.
 * @param side - the window side, 1 ≤ side ≤ extent.
 * @param fidelity - `'reference'`: 0 … extent − side − 1 like square.py's `torch.randint`-style `random_int`
 *   (0 when side = extent), so a window never reaches the last row or column once it is smaller than the image;
 *   `'paper'`: 0 … extent − side, every position.
 * @returns the corner index.
 * @example
 * ```ts
 * squareCorner(0.999, 32, 4, 'reference'); // 27 (= 32 − 4 − 1)
 * squareCorner(0.999, 32, 4, 'paper'); // 28
 * ```
 */
export function squareCorner(u: number, extent: number, side: number, fidelity: Fidelity): number {
  return CORNER[fidelity](u, extent, side);
}
