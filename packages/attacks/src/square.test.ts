import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgd } from './pgd';
import { square } from './square';
import { eta } from './internal/squareEta';
import { randomLinear, rng, type LinearModel } from '../test/models';

const N = 300;
const D = 16;
const K = 5;
const EPS = 0.05;

function accuracy(model: Classifier, x: Images, y: Labels): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model(x), 1), y), 'float32')).dataSync()[0] as number);
}

describe('square', () => {
  let lin: LinearModel;
  let xs: Float64Array[];
  let x: Images;
  let y: Labels;
  let exact: number;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    lin = randomLinear(D, K, 1, 3);
    const rand = rng(3);
    xs = Array.from({ length: N }, () => Float64Array.from(Float32Array.from({ length: D }, () => 0.3 + 0.4 * rand())));
    x = tf.tensor4d(Float32Array.from(xs.flatMap((v) => Array.from(v))), [N, 4, 4, 1]);
    y = tf.tidy(() => tf.argMax(lin.model(x), 1)) as Labels;
    const ys = Array.from(y.dataSync());
    // Exact l_inf robustness of a linear model with the box inactive (see test/linearExact.test.ts).
    const logit = (v: Float64Array, j: number) => (lin.w[j] as Float64Array).reduce((s, wj, d) => s + wj * (v[d] as number), lin.b[j] as number);
    exact = xs.filter((v, i) => {
      const yi = ys[i] as number;
      return lin.w.every((wj, j) => j === yi || logit(v, yi) - logit(v, j) > EPS * wj.reduce((s, a, d) => s + Math.abs((lin.w[yi] as Float64Array)[d]! - a), 0));
    }).length / N;
  });
  afterAll(() => {
    tf.dispose([x, y]);
    lin.dispose();
  });

  // On these 4×4 images the reference's corner range (0 … H − s − 1) matters a lot: once the side is below 4, no
  // window reaches the last row or column, so 7 of the 16 pixels keep their stripe sign. The 'paper' variant
  // (every position) comes within 2 % of the exact robust accuracy; the reference stays a valid upper bound, ~0.29
  // above it here (on 32×32 images the same effect costs 2–3 points, issue 25).
  it("'paper' on a linear model never beats the exact robust accuracy and comes within 2 % of it", () => {
    const xAdv = square(lin.model, x, y, { eps: EPS, queries: 300, seed: 1, fidelity: 'paper' });
    const got = accuracy(lin.model, xAdv, y);
    xAdv.dispose();
    expect(exact).toBeGreaterThan(0.1);
    expect(exact).toBeLessThan(0.9);
    expect(got).toBeGreaterThanOrEqual(exact - 1e-9);
    expect(got - exact).toBeLessThanOrEqual(0.02);
  });

  it("'reference' (the default) on a linear model never beats the exact robust accuracy and is weaker than 'paper'", () => {
    const xRef = square(lin.model, x, y, { eps: EPS, queries: 300, seed: 1 });
    const xPaper = square(lin.model, x, y, { eps: EPS, queries: 300, seed: 1, fidelity: 'paper' });
    const ref = accuracy(lin.model, xRef, y);
    const paper = accuracy(lin.model, xPaper, y);
    tf.dispose([xRef, xPaper]);
    expect(ref).toBeGreaterThanOrEqual(exact - 1e-9);
    expect(ref).toBeGreaterThan(paper);
    expect(ref).toBeLessThan(1 - (1 - exact) / 3);
  });

  it('needs no gradients: on a model whose gradient is zero, PGD does nothing and Square still succeeds', () => {
    const masked: Classifier = (v) =>
      tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const input = args[0] as Images;
        return { value: lin.model(input), gradFunc: () => [tf.zerosLike(input)] };
      })(v) as tf.Tensor2D;
    const xPgd = pgd(masked, x, y, { eps: EPS, stepSize: EPS / 4, steps: 20, randomStart: false });
    const xSq = square(masked, x, y, { eps: EPS, queries: 300, seed: 1, fidelity: 'paper' });
    const viaPgd = accuracy(masked, xPgd, y);
    const viaSquare = accuracy(masked, xSq, y);
    tf.dispose([xPgd, xSq]);
    expect(viaPgd).toBe(1);
    expect(viaSquare - exact).toBeLessThanOrEqual(0.02);
  });

  // l_2 (the reference l_2 sampling), 'paper' variant. Measured on this 4×4 linear setup (seed 1, 100 queries):
  // exact 0.713 / 0.350 at eps 0.1 / 0.2, Square l_2 0.817 / 0.617 (gaps 0.10 / 0.27). It is a valid upper bound but NOT within 2 %:
  // with windows of side ≥ 3 on a 4×4 image the proposals span only a few η patterns (the gap does not close
  // with 1000 queries), and an unstructured random linear model is the worst case for its spatial prior (on
  // 8×8 images the gap is still ~0.10 after 1000 queries). The bounds below pin the measured gaps.
  // Issue 4 asked whether the gap is a bug. Checked step by step against Algorithm 3 of the paper and the
  // reference `square.py` (L2 branch of `attack_single_run`): the ⌊H/5⌋ grid of ±η windows, the side
  // max(round(√(p·H·W)), 3) made odd, the p schedule, η (eta_rectangles), the move of the l_2 mass of W₁ ∪ W₂
  // plus the unused budget (ε² − ‖δ‖²)/C into W₁ with W₂ cleared, the rescale to ‖δ‖ = ε and the acceptance
  // (lower margin, or misclassified) all match. The only differences of this 'paper' variant: windows are drawn
  // per sample (the reference draws one pair per iteration for the whole batch) and may touch the last row and
  // column (the reference's randint excludes them); `fidelity: 'reference'` (the default since issue 25) does both
  // as the reference does, and on 4×4 images with sides ≥ 3 its windows then sit at the top-left corner only, so it
  // is checked below as an upper bound only. The gap is the algorithm's own, not a bug, and stays pinned;
  // test/golden.test.ts pins its exact behaviour on a tiny CNN.
  const L2_GAP: Record<number, number> = { 0.1: 0.13, 0.2: 0.3 };
  for (const eps of [0.1, 0.2]) {
    it(`l2 on a linear model at eps ${eps} never beats the exact robust accuracy and lowers the clean one`, () => {
      const ys = Array.from(y.dataSync());
      const logit = (v: Float64Array, j: number) => (lin.w[j] as Float64Array).reduce((s, wj, d) => s + wj * (v[d] as number), lin.b[j] as number);
      const exactL2 = xs.filter((v, i) => {
        const yi = ys[i] as number;
        return lin.w.every((wj, j) => j === yi || logit(v, yi) - logit(v, j) > eps * Math.sqrt(wj.reduce((s, a, d) => s + ((lin.w[yi] as Float64Array)[d]! - a) ** 2, 0)));
      }).length / N;
      const xAdv = square(lin.model, x, y, { norm: 'l2', eps, queries: 100, seed: 1, fidelity: 'paper' });
      const xRef = square(lin.model, x, y, { norm: 'l2', eps, queries: 100, seed: 1 });
      const got = accuracy(lin.model, xAdv, y);
      const ref = accuracy(lin.model, xRef, y);
      const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(tf.sub(tf.concat([xAdv, xRef]), tf.concat([x, x]))), [1, 2, 3])).dataSync());
      tf.dispose([xAdv, xRef]);
      expect(Math.max(...norms)).toBeLessThanOrEqual(eps + 1e-5);
      expect(ref).toBeGreaterThanOrEqual(exactL2 - 1e-9);
      expect(ref).toBeLessThan(1);
      expect(got).toBeGreaterThanOrEqual(exactL2 - 1e-9);
      expect(got).toBeLessThan(1 - (1 - exactL2) / 3);
      expect(got - exactL2).toBeLessThanOrEqual(L2_GAP[eps] as number);
    });
  }
});

describe('square l2 window pattern eta', () => {
  it('is a unit-l2 window, positive on the top half and negative on the bottom, and transposes', () => {
    for (const s of [1, 3, 4, 5]) {
      const e = eta(s, false);
      expect(e.reduce((a, v) => a + v * v, 0)).toBeCloseTo(1, 10);
      const half = Math.floor(s / 2);
      for (let q = 0; q < s * s; q++) expect(Math.sign(e[q] as number)).toBe(Math.floor(q / s) < half ? 1 : -1);
      const t = eta(s, true);
      for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) expect(t[i * s + j]).toBe(e[j * s + i]);
    }
    // The reference's 3×3 window: top row 0.25, 1.25, 0.25 before normalisation.
    const e3 = eta(3, false);
    expect((e3[1] as number) / (e3[0] as number)).toBeCloseTo(5, 10);
  });
});

describe('square fidelity (fra31/auto-attack reference vs the paper variant)', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  /**
   * Runs l_inf Square on `n` constant 4×4×1 images against a model whose margin never changes (no candidate is
   * accepted), and returns per query the pixels where each sample's candidate differs from its stripe start.
   */
  function changedPixels(n: number, options: Record<string, unknown>): { i: number; j: number; s: number }[][] {
    const calls: Float32Array[] = [];
    const model: Classifier = (v) => {
      calls.push(Float32Array.from(v.dataSync()));
      return tf.tile(tf.tensor2d([[1, 0, 0]]), [v.shape[0], 1]) as tf.Tensor2D;
    };
    const x = tf.fill([n, 4, 4, 1], 0.5) as Images;
    const y = tf.zeros([n], 'int32') as Labels;
    const out = square(model, x, y, { eps: 0.1, pInit: 0.05, queries: 200, seed: 3, ...options });
    tf.dispose([x, y, out]);
    const start = calls[1] as Float32Array; // calls[0] is checkAttackInputs' probe on x[0]
    return calls.slice(2).map((cand) => {
      const diff: { i: number; j: number; s: number }[] = [];
      cand.forEach((v, p) => { if (v !== start[p]) diff.push({ s: Math.floor(p / 16), i: Math.floor((p % 16) / 4), j: p % 4 }); });
      return diff;
    });
  }

  it("'reference' windows (side 1 on 4×4) never reach the last row or column; 'paper' windows do", () => {
    const reach = (queries: { i: number; j: number }[][]) => queries.flat().reduce((m, d) => Math.max(m, d.i, d.j), 0);
    expect(reach(changedPixels(1, {}))).toBe(2);
    expect(reach(changedPixels(1, { fidelity: 'reference' }))).toBe(2);
    expect(reach(changedPixels(1, { fidelity: 'paper' }))).toBe(3);
  });

  it("'reference' draws one window per iteration for the whole batch, 'paper' one per sample", () => {
    const positions = (queries: { i: number; j: number }[][]) => queries.map((d) => new Set(d.map(({ i, j }) => `${i},${j}`)).size);
    expect(Math.max(...positions(changedPixels(3, { fidelity: 'reference' })))).toBe(1);
    expect(Math.max(...positions(changedPixels(3, { fidelity: 'paper' })))).toBeGreaterThan(1);
  });

  it('rescaleSchedule: false keeps p = pInit for the first 11 iterations whatever the budget (the window side 7 on 8×8)', () => {
    // Window heights of the first candidates on 8×8×1 images: pInit 0.8 gives side round(√51.2) = 7. Rescaled to
    // 20 queries, iteration 1 is iteration 500 of 10 000 (p = 0.1, side 3); not rescaled, p halves only after 10.
    const heights = (rescaleSchedule: boolean): number[] => {
      const calls: Float32Array[] = [];
      const model: Classifier = (v) => {
        calls.push(Float32Array.from(v.dataSync()));
        return tf.tile(tf.tensor2d([[1, 0, 0]]), [v.shape[0], 1]) as tf.Tensor2D;
      };
      const x = tf.fill([1, 8, 8, 1], 0.5) as Images;
      const y = tf.zeros([1], 'int32') as Labels;
      tf.dispose([x, y, square(model, x, y, { eps: 0.1, queries: 20, seed: 5, rescaleSchedule })]);
      const start = calls[1] as Float32Array;
      return calls.slice(2, 12).map((cand) => {
        const rows = [...cand.keys()].filter((p) => cand[p] !== start[p]).map((p) => Math.floor(p / 8));
        return rows.length === 0 ? 0 : Math.max(...rows) - Math.min(...rows) + 1;
      });
    };
    const raw = heights(false).filter((hgt) => hgt > 0);
    const rescaled = heights(true).slice(1).filter((hgt) => hgt > 0);
    expect(raw.length).toBeGreaterThan(0);
    expect(raw.every((hgt) => hgt === 7)).toBe(true);
    expect(rescaled.every((hgt) => hgt <= 3)).toBe(true);
  });
});
