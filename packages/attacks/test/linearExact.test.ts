import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Attack, Classifier, Images, Labels } from '@robustjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apgd, apgdT, autoAttack, fabT, pgd } from '../src/index';
import type { Norm } from '../src/types';
import { randomLinear, rng, type LinearModel } from './models';

// On a linear classifier f(x) = Wx + b with the box [0,1] inactive (inputs in [0.3,0.7], small eps),
// a correctly classified sample is robust iff for every j ≠ y:
//   (w_y − w_j)·x + b_y − b_j > eps · ‖w_y − w_j‖_*   (dual norm: l1 for linf, l2 for l2).
const N = 600;
const D = 16;
const K = 5;

function exactRobust(lin: LinearModel, xs: Float64Array[], ys: number[], eps: number, norm: Norm): boolean[] {
  return xs.map((x, i) => {
    const y = ys[i] as number;
    const wy = lin.w[y] as Float64Array;
    const logit = (j: number) => (lin.w[j] as Float64Array).reduce((s, wj, d) => s + wj * (x[d] as number), lin.b[j] as number);
    for (let j = 0; j < K; j++) {
      if (j === y) continue;
      const wj = lin.w[j] as Float64Array;
      let dual = 0;
      for (let d = 0; d < D; d++) {
        const diff = (wy[d] as number) - (wj[d] as number);
        dual += norm === 'linf' ? Math.abs(diff) : diff * diff;
      }
      if (norm === 'l2') dual = Math.sqrt(dual);
      if (!(logit(y) - logit(j) > eps * dual)) return false;
    }
    return true;
  });
}

function robustAccuracy(model: Classifier, xAdv: Images, y: Labels): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model(xAdv), 1), y), 'float32')).dataSync()[0] as number);
}

describe('attacks on a linear model match the exact robust accuracy', () => {
  let lin: LinearModel;
  let xs: Float64Array[];
  let ys: number[];
  let x: Images;
  let y: Labels;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    lin = randomLinear(D, K, 1, 3);
    const rand = rng(2);
    xs = Array.from({ length: N }, () => Float64Array.from({ length: D }, () => 0.3 + 0.4 * rand()));
    x = tf.tensor4d(Float32Array.from(xs.flatMap((v) => Array.from(v))), [N, 4, 4, 1]);
    // xs must equal what the model sees: round the JS copy to float32.
    xs = xs.map((v) => Float64Array.from(Float32Array.from(v)));
    const clean = tf.tidy(() => tf.argMax(lin.model(x), 1)).dataSync();
    // 90 % true labels = the clean prediction, 10 % wrong labels (never robust).
    ys = Array.from(clean, (c, i) => (i % 10 === 9 ? (c + 1) % K : c));
    y = tf.tensor1d(ys, 'int32');
  });
  afterAll(() => {
    tf.dispose([x, y]);
    lin.dispose();
  });

  // `eps` narrows a slow case to fewer budgets than epsByNorm[norm].
  const cases: Array<{ name: string; attack: Attack<never>; norm: Norm; options: (eps: number) => object; eps?: number[] }> = [
    { name: 'pgd linf', attack: pgd as Attack<never>, norm: 'linf', options: (eps) => ({ eps, stepSize: eps / 4, steps: 40, norm: 'linf' }) },
    { name: 'pgd l2', attack: pgd as Attack<never>, norm: 'l2', options: (eps) => ({ eps, stepSize: eps / 4, steps: 40, norm: 'l2' }) },
    { name: 'apgd-ce linf', attack: apgd as Attack<never>, norm: 'linf', options: (eps) => ({ eps, steps: 40, loss: 'ce' }) },
    { name: 'apgd-dlr linf', attack: apgd as Attack<never>, norm: 'linf', options: (eps) => ({ eps, steps: 40, loss: 'dlr' }) },
    { name: 'apgd-ce l2', attack: apgd as Attack<never>, norm: 'l2', options: (eps) => ({ eps, steps: 40, loss: 'ce', norm: 'l2' }) },
    { name: 'apgd-t linf', attack: apgdT as Attack<never>, norm: 'linf', options: (eps) => ({ eps, steps: 20, numTargets: 4 }) },
    { name: 'fab-t linf', attack: fabT as Attack<never>, norm: 'linf', options: (eps) => ({ eps, steps: 5, numTargets: 4 }) },
    { name: 'fab-t l2', attack: fabT as Attack<never>, norm: 'l2', options: (eps) => ({ eps, steps: 5, numTargets: 4, norm: 'l2' }) },
    { name: 'autoAttack standard linf', attack: autoAttack as Attack<never>, norm: 'linf', options: (eps) => ({ eps, steps: 20, queries: 20 }) },
    { name: 'autoAttack standard l2', attack: autoAttack as Attack<never>, norm: 'l2', options: (eps) => ({ eps, steps: 20, queries: 20, norm: 'l2' }), eps: [0.1] },
    { name: 'autoAttack rand l2', attack: autoAttack as Attack<never>, norm: 'l2', options: (eps) => ({ eps, steps: 20, norm: 'l2', version: 'rand' }) },
  ];
  const epsByNorm: Record<Norm, number[]> = { linf: [0.01, 0.03, 0.05], l2: [0.05, 0.1, 0.2] };
  for (const c of cases) {
    for (const eps of c.eps ?? epsByNorm[c.norm]) {
      it(`${c.name} at eps ${eps} is within 1 % of the samples`, () => {
        const exact = exactRobust(lin, xs, ys, eps, c.norm).filter(Boolean).length / N;
        const run = c.attack as unknown as (m: Classifier, x: Images, y: Labels, o: object) => Images;
        const xAdv = run(lin.model, x, y, c.options(eps));
        const got = robustAccuracy(lin.model, xAdv, y);
        xAdv.dispose();
        expect(exact).toBeGreaterThan(0.05);
        expect(exact).toBeLessThan(0.9);
        expect(Math.abs(got - exact)).toBeLessThanOrEqual(0.01);
      });
    }
  }
});
