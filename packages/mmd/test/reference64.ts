/**
 * Float64 reference implementations with plain loops, for the tests: nothing here uses tfjs.
 */

/** Deterministic standard normals (xorshift32 + Box–Muller), rounded to float32 so tfjs sees the same values. */
export function randn(rows: number, cols: number, seed: number, shift = 0): number[][] {
  let s = (seed * 2654435761 + 1) >>> 0 || 1;
  const u = (): number => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () =>
    Math.fround(Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()) + shift)));
}

export function sqDist64(x: number[][], y: number[][]): number[][] {
  return x.map((a) => y.map((b) => {
    let acc = 0;
    for (let k = 0; k < a.length; k++) acc += ((a[k] as number) - (b[k] as number)) ** 2;
    return acc;
  }));
}

export function gaussian64(x: number[][], y: number[][], sigma: number): number[][] {
  return sqDist64(x, y).map((row) => row.map((d) => Math.exp(-d / sigma)));
}

/** k = (1−ε) exp(−Dφ/σ0 − D0/σ) + ε exp(−D0/σ), with φ given as precomputed feature rows. */
export function deep64(x: number[][], y: number[][], fx: number[][], fy: number[][], sigma0: number, sigma: number, eps: number): number[][] {
  const d0 = sqDist64(x, y);
  const dPhi = sqDist64(fx, fy);
  return d0.map((row, i) => row.map((d, j) => (1 - eps) * Math.exp(-(dPhi[i]![j] as number) / sigma0 - d / sigma) + eps * Math.exp(-d / sigma)));
}

export function mmd2u64(kxx: number[][], kyy: number[][], kxy: number[][]): number {
  const n = kxx.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (i !== j) s += kxx[i]![j]! + kyy[i]![j]! - kxy[i]![j]! - kxy[j]![i]!;
    }
  }
  return s / (n * (n - 1));
}

export function mmd2b64(kxx: number[][], kyy: number[][], kxy: number[][]): number {
  const mean = (m: number[][]): number => m.flat().reduce((a, b) => a + b, 0) / m.flat().length;
  return mean(kxx) + mean(kyy) - 2 * mean(kxy);
}

/** 4 (V1 − V2²) with V1 = (1/n) Σ_i ((1/n) Σ_j H_ij)², V2 = (1/n²) Σ_ij H_ij, H = Kxx + Kyy − Kxy − Kxyᵀ. */
export function var64(kxx: number[][], kyy: number[][], kxy: number[][]): number {
  const n = kxx.length;
  let v1 = 0;
  let v2 = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < n; j++) row += kxx[i]![j]! + kyy[i]![j]! - kxy[i]![j]! - kxy[j]![i]!;
    v1 += (row / n) ** 2 / n;
    v2 += row / (n * n);
  }
  return 4 * (v1 - v2 * v2);
}

export function median64(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Random data of several sizes and dimensions for the estimator tests: [n, d, mean shift of y]. */
export const CASES = [[10, 3, 1], [64, 16, 0.5], [200, 32, 0.5], [500, 8, 0.3], [300, 10, 0], [500, 64, 0]] as const;
