/*
 * What the Square Attack's random searches share (Andriushchenko, Croce, Flammarion & Hein, ECCV 2020):
 * their inputs and the reference schedule of the window size (`autoattack`'s square.py, `p_selection`).
 */

/** What one random search needs, already validated, with the images flattened sample-major (NHWC). */
export interface SquareSearch {
  readonly clean: Float32Array;
  readonly shape: readonly [number, number, number, number];
  readonly eps: number;
  readonly queries: number;
  readonly pInit: number;
  /** Uniform draws in [0,1) from the attack's seed. */
  readonly uniform: () => number;
  /** Margins z_y − max_{k≠y} z_k of the given samples of `data` (laid out sample-major). */
  readonly margins: (data: Float32Array, samples: number[]) => Float64Array;
}

/** The reference schedule: p halves at iterations 10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000 of 10 000 (rescaled). */
export function pSelection(pInit: number, it: number, queries: number): number {
  const i = Math.floor((it / queries) * 10000);
  const bounds = [10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000];
  return pInit / 2 ** bounds.filter((b) => i > b).length;
}
