/*
 * The l_inf random search of the Square Attack — Andriushchenko, Croce, Flammarion & Hein, ECCV 2020,
 * Algorithm 1 with the l_inf sampling (§3.1).
 *
 * Notation (code → paper): side → h^(i), margin → L(f(x), y) = f_y(x) − max_{k≠y} f_k(x), adv → x̂.
 *
 * l_inf:
 * 1. x̂ = clip(x + vertical stripes of ±ε, 0, 1) (one random sign per column and channel).
 * 2. For i = 1 … N, on the samples still correctly classified: side h^(i) = max(round(√(p_i · H · W)), 1) with
 *    p_i = p halved at fixed iterations (internal/squareSearch.ts); pick a random h×h window and one random ±ε per
 *    channel ('reference': one draw per iteration for the whole batch, corner in 0 … H − h − 1; 'paper': one draw
 *    per sample, corner in 0 … H − h); the candidate is x̂ with that window set to clip(x ± ε, 0, 1).
 * 3. Accept a candidate where its margin is lower; a sample stops once its margin is ≤ 0.
 */
import { pSelection, squareCorner, squareSide, type SquareSearch } from './squareSearch';

/** The l_inf random search (steps 1–3 above); returns the adversarial images sample-major. */
export function squareLinf(search: SquareSearch): Float32Array {
  const { clean, eps, uniform, fidelity } = search;
  const [n, h, w, c] = search.shape;
  const size = h * w * c;
  const sign = (): number => (uniform() < 0.5 ? -1 : 1);
  const at = (s: number, i: number, j: number, ch: number): number => s * size + (i * w + j) * c + ch;
  const perturbed = (s: number, i: number, j: number, ch: number, sg: number): number =>
    Math.min(1, Math.max(0, (clean[at(s, i, j, ch)] as number) + sg * eps));
  // 1. Vertical stripes.
  const adv = new Float32Array(clean.length);
  for (let s = 0; s < n; s++) {
    for (let j = 0; j < w; j++) {
      for (let ch = 0; ch < c; ch++) {
        const sg = sign();
        for (let i = 0; i < h; i++) adv[at(s, i, j, ch)] = perturbed(s, i, j, ch, sg);
      }
    }
  }
  const all = Array.from({ length: n }, (_, s) => s);
  const margin = search.margins(adv, all);
  // 2–3. Random search over square windows.
  for (let it = 0; it < search.queries; it++) {
    const open = all.filter((s) => (margin[s] as number) > 0);
    if (open.length === 0) break;
    const p = pSelection(search.pInit, it, search.queries, search.rescale);
    const side = Math.min(Math.max(squareSide(p, search.shape, fidelity), 1), Math.min(h, w));
    const draw = (): { i0: number; j0: number; signs: number[] } => ({
      i0: squareCorner(uniform(), h, side, fidelity),
      j0: squareCorner(uniform(), w, side, fidelity),
      signs: Array.from({ length: c }, sign),
    });
    // The reference draws one window and one sign per channel per iteration, shared by the whole batch.
    const shared = fidelity === 'reference' ? draw() : undefined;
    const cand = new Float32Array(open.length * size);
    open.forEach((s, r) => {
      cand.set(adv.subarray(s * size, (s + 1) * size), r * size);
      const { i0, j0, signs } = shared ?? draw();
      for (let ch = 0; ch < c; ch++) {
        const sg = signs[ch] as number;
        for (let i = i0; i < i0 + side; i++) {
          for (let j = j0; j < j0 + side; j++) cand[r * size + (i * w + j) * c + ch] = perturbed(s, i, j, ch, sg);
        }
      }
    });
    const next = search.margins(cand, open);
    open.forEach((s, r) => {
      if ((next[r] as number) < (margin[s] as number)) {
        margin[s] = next[r] as number;
        adv.set(cand.subarray(r * size, (r + 1) * size), s * size);
      }
    });
  }
  return adv;
}
