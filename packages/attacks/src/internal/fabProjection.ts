import type { Norm } from '../types';

/**
 * The smallest step d (in `norm`) that moves point p onto the hyperplane {z : w·z = b} while p + d stays in
 * the box [0,1]^D (FAB's projection, Croce & Hein, ICML 2020, §3.1, solved exactly by sorting breakpoints).
 *
 * With c = b − w·p and s_i = sign(w_i·c), coordinate i moves towards the hyperplane by s_i · min(λ·r_i, cap_i)
 * with cap_i its room to the box and r_i = 1 (l_inf: every coordinate moves by the same λ) or |w_i| (l_2:
 * d ∝ w until clipped, the KKT solution); w·d(λ) = |c| is piecewise linear in λ. When even the full box is
 * not enough, every coordinate moves to its bound.
 */
export function projectOnHyperplane(p: Float64Array, w: Float64Array, b: number, norm: Norm): Float64Array {
  const n = p.length;
  let c = b;
  for (let i = 0; i < n; i++) c -= (w[i] as number) * (p[i] as number);
  const d = new Float64Array(n);
  if (c === 0) return d;
  const dir = Math.sign(c);
  const a = new Float64Array(n);
  const s = new Float64Array(n);
  const cap = new Float64Array(n);
  const r = new Float64Array(n);
  const idx: number[] = [];
  for (let i = 0; i < n; i++) {
    const wi = w[i] as number;
    if (wi === 0) continue;
    a[i] = Math.abs(wi);
    s[i] = Math.sign(wi) * dir;
    cap[i] = (s[i] as number) > 0 ? 1 - (p[i] as number) : (p[i] as number);
    r[i] = norm === 'linf' ? 1 : (a[i] as number);
    idx.push(i);
  }
  const brk = (i: number): number => (cap[i] as number) / (r[i] as number);
  idx.sort((i, j) => brk(i) - brk(j));
  // g(λ) = Σ a_i·min(λ r_i, cap_i); walk the breakpoints until g reaches |c|.
  const need = Math.abs(c);
  let slope = idx.reduce((acc, i) => acc + (a[i] as number) * (r[i] as number), 0);
  let g = 0;
  let lambda = 0;
  let solved = false;
  for (const i of idx) {
    const next = brk(i);
    const gNext = g + slope * (next - lambda);
    if (gNext >= need && slope > 0) {
      lambda += (need - g) / slope;
      solved = true;
      break;
    }
    g = gNext;
    lambda = next;
    slope -= (a[i] as number) * (r[i] as number);
  }
  for (const i of idx) d[i] = (s[i] as number) * (solved ? Math.min(lambda * (r[i] as number), cap[i] as number) : (cap[i] as number));
  return d;
}
