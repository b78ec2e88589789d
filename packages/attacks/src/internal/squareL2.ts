/*
 * The l_2 random search of the Square Attack — Andriushchenko, Croce, Flammarion & Hein, ECCV 2020,
 * §3.2 and Algorithm 3 (l_2 sampling), following the reference implementation (`autoattack`'s square.py).
 *
 * Notation (code → paper): eta → the window pattern η (two rectangles of opposite sign, each a stack of
 * concentric squares weighted 1/(k+1)²), side → h^(i), window → W₁, cleared → W₂, eps → ε, margin → L.
 */
import { eta } from './squareEta';
import { pSelection, squareCorner, squareSide, type SquareSearch } from './squareSearch';

/**
 * Runs the l_2 search and returns the adversarial images (sample-major, same layout as `clean`).
 *
 * 1. δ⁰: the image split into a grid of ⌊H/5⌋-sized windows (at least 1 pixel), each filled with η times a
 *    random ±1 per channel; x̂ = clip(x + ε·δ⁰/‖δ⁰‖₂, 0, 1).
 * 2. For i = 1 … N, on the samples still correct: side s = max(round(√(p_i·H·W)), 3), made odd, at most
 *    min(H,W); draw windows W₁, W₂ (corners as internal/squareSearch.ts's `squareCorner`; 'reference': one pair and
 *    one η orientation per iteration for the whole batch, 'paper': per sample). With δ = x̂ − x, per channel the new W₁ content is
 *    η·(±1) + δ_{W₁}/‖δ_{W₁}‖ rescaled to norm √(max(ε² − ‖δ‖², 0)/C + ‖δ_{W₁∪W₂}‖²); W₂ is zeroed first
 *    (mass moves from W₂ into W₁). The candidate is clip(x + ε·δ/‖δ‖₂, 0, 1).
 * 3. Accept a candidate whose margin is lower, or ≤ 0; a sample stops once its margin is ≤ 0.
 */
export function squareL2(search: SquareSearch): Float32Array {
  const { clean, eps, uniform, fidelity } = search;
  const [n, h, w, c] = search.shape;
  const size = h * w * c;
  const sign = (): number => (uniform() < 0.5 ? -1 : 1);
  const at = (i: number, j: number, ch: number): number => (i * w + j) * c + ch;
  /** clip(x_s + ε·δ/‖δ‖₂, 0, 1) written into `out` at row `r`. */
  const place = (out: Float32Array, r: number, s: number, delta: Float64Array): void => {
    const norm = Math.sqrt(delta.reduce((acc, v) => acc + v * v, 0));
    for (let p = 0; p < size; p++) {
      const v = (clean[s * size + p] as number) + (eps * (delta[p] as number)) / (norm + 1e-12);
      out[r * size + p] = Math.min(1, Math.max(0, v));
    }
  };
  // 1. Grid of η windows with a random sign per window, channel and sample.
  const s0 = Math.max(Math.floor(Math.min(h, w) / 5), 1);
  const [gh, gw] = [Math.floor(h / s0), Math.floor(w / s0)];
  const [oh, ow] = [Math.floor((h - gh * s0) / 2), Math.floor((w - gw * s0) / 2)];
  const init = Array.from({ length: n }, () => new Float64Array(size));
  for (let a = 0; a < gh; a++) {
    for (let b = 0; b < gw; b++) {
      const pattern = eta(s0, uniform() < 0.5);
      for (const delta of init) {
        for (let ch = 0; ch < c; ch++) {
          const sg = sign();
          for (let i = 0; i < s0; i++) {
            for (let j = 0; j < s0; j++) delta[at(oh + a * s0 + i, ow + b * s0 + j, ch)] = sg * (pattern[i * s0 + j] as number);
          }
        }
      }
    }
  }
  const adv = new Float32Array(clean.length);
  init.forEach((delta, s) => place(adv, s, s, delta));
  const all = Array.from({ length: n }, (_, s) => s);
  const margin = search.margins(adv, all);
  // 2–3. Random search over pairs of windows.
  for (let it = 0; it < search.queries; it++) {
    const open = all.filter((s) => (margin[s] as number) > 0);
    if (open.length === 0) break;
    let side = Math.max(squareSide(pSelection(search.pInit, it, search.queries, search.rescale), search.shape, fidelity), 3);
    if (side % 2 === 0) side += 1;
    side = Math.min(side, h, w);
    const draw = (): { corners: number[]; transpose: boolean } => ({
      corners: [h, w, h, w].map((d) => squareCorner(uniform(), d, side, fidelity)),
      transpose: uniform() < 0.5,
    });
    // The reference draws one pair of windows and one η orientation per iteration, shared by the whole batch.
    const shared = fidelity === 'reference' ? draw() : undefined;
    const cand = new Float32Array(open.length * size);
    open.forEach((s, r) => {
      const delta = Float64Array.from({ length: size }, (_, p) => (adv[s * size + p] as number) - (clean[s * size + p] as number));
      const { corners, transpose } = shared ?? draw();
      const [h1, w1, h2, w2] = corners as [number, number, number, number];
      const in1 = (i: number, j: number): boolean => i >= h1 && i < h1 + side && j >= w1 && j < w1 + side;
      const in2 = (i: number, j: number): boolean => i >= h2 && i < h2 + side && j >= w2 && j < w2 + side;
      let image = 0;
      let windows = 0;
      const window1 = new Float64Array(c);
      for (let i = 0; i < h; i++) {
        for (let j = 0; j < w; j++) {
          for (let ch = 0; ch < c; ch++) {
            const v = (delta[at(i, j, ch)] as number) ** 2;
            image += v;
            if (in1(i, j) || in2(i, j)) windows += v;
            if (in1(i, j)) window1[ch] = (window1[ch] as number) + v;
          }
        }
      }
      const target = Math.sqrt(Math.max(eps * eps - image, 0) / c + windows);
      const pattern = eta(side, transpose);
      const fresh = Array.from({ length: c }, (_, ch) => {
        const sg = sign();
        const norm1 = Math.sqrt(window1[ch] as number) + 1e-12;
        const nd = Float64Array.from({ length: side * side }, (_, q) =>
          sg * (pattern[q] as number) + (delta[at(h1 + Math.floor(q / side), w1 + (q % side), ch)] as number) / norm1);
        const nn = Math.sqrt(nd.reduce((acc, v) => acc + v * v, 0)) + 1e-12;
        return nd.map((v) => (v / nn) * target);
      });
      for (let i = 0; i < side; i++) {
        for (let j = 0; j < side; j++) {
          for (let ch = 0; ch < c; ch++) delta[at(h2 + i, w2 + j, ch)] = 0;
        }
      }
      for (let i = 0; i < side; i++) {
        for (let j = 0; j < side; j++) {
          for (let ch = 0; ch < c; ch++) delta[at(h1 + i, w1 + j, ch)] = (fresh[ch] as Float64Array)[i * side + j] as number;
        }
      }
      place(cand, r, s, delta);
    });
    const next = search.margins(cand, open);
    open.forEach((s, r) => {
      const m = next[r] as number;
      if (m < (margin[s] as number) || m <= 0) {
        margin[s] = m;
        adv.set(cand.subarray(r * size, (r + 1) * size), s * size);
      }
    });
  }
  return adv;
}
