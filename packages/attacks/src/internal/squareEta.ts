/*
 * The window pattern η of the Square Attack's l_2 sampling — Andriushchenko, Croce, Flammarion & Hein,
 * ECCV 2020, §3.2 ("eta" in the paper and in `autoattack`'s square.py): two rectangles of opposite sign,
 * each a stack of concentric squares weighted 1/(k+1)², unit l_2 norm.
 */

/** x / ‖x‖₂ (x itself when it is zero). */
export function normalise(d: Float64Array): Float64Array {
  const norm = Math.sqrt(d.reduce((s, v) => s + v * v, 0));
  return norm > 0 ? d.map((v) => v / norm) : d;
}

/** Reference `eta_rectangles(a, b)`: concentric rectangles around the centre of an a×b patch, weight 1/(k+1)², unit l2. */
function etaRect(a: number, b: number): Float64Array {
  const d = new Float64Array(a * b);
  const r0 = Math.floor(a / 2);
  const c0 = Math.floor(b / 2);
  for (let k = 0; k < Math.max(r0, c0) + 1; k++) {
    for (let i = Math.max(r0 - k, 0); i < Math.min(r0 - k + 2 * k + 1, a); i++) {
      for (let j = Math.max(c0 - k, 0); j < Math.min(c0 - k + 2 * k + 1, b); j++) d[i * b + j] = (d[i * b + j] as number) + 1 / (k + 1) ** 2;
    }
  }
  return normalise(d);
}

/** Reference `eta(s)`: an s×s window whose top half is +rectangles and bottom half −rectangles, unit l2, transposed if asked. */
export function eta(s: number, transpose: boolean): Float64Array {
  const top = etaRect(Math.floor(s / 2), s);
  const bottom = etaRect(s - Math.floor(s / 2), s);
  const d = new Float64Array(s * s);
  d.set(top, 0);
  d.set(bottom.map((v) => -v), top.length);
  const unit = normalise(d);
  return transpose ? unit.map((_, idx) => unit[(idx % s) * s + Math.floor(idx / s)] as number) : unit;
}
