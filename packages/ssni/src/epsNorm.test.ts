import * as tf from '@tensorflow/tfjs';
import { linearSchedule, vpSde } from '@robustjs/diffusion';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon, gaussianEpsilonSde, images, normals, useWasm } from '../test/helpers';
import { epsNorm, type EpsNorms } from './epsNorm';

useWasm();

/**
 * Closed form for the exact predictor of N(mu, s²I) data: with a_k = m(s_k), σ_k = σ(s_k), v_k = a_k² s² + σ_k²,
 * the score of the perturbed point is −(a_k(u0 − mu) + σ_k z_k)/v_k, so per pixel
 * EPS = −(u0 − mu)·A − Σ_k σ_k z_k/(T_S v_k), A = (1/T_S)Σ a_k/v_k: Gaussian with mean −(u0 − mu)A and variance
 * B² = (1/T_S²)Σ σ_k²/v_k². The norm's mean and spread are estimated from 4000 float64 draws of that Gaussian.
 */
function analyticNormStats(u0: Float32Array, mu: number, s: number, coef: { a: number; sigma: number }[], seed: number): { mean: number; std: number } {
  const T = coef.length;
  let A = 0;
  let B2 = 0;
  for (const { a, sigma } of coef) {
    const v = a * a * s * s + sigma * sigma;
    A += a / v / T;
    B2 += (sigma * sigma) / (v * v) / (T * T);
  }
  const B = Math.sqrt(B2);
  const g = normals(seed);
  const draws = 4000;
  let sum = 0;
  let sq = 0;
  for (let r = 0; r < draws; r++) {
    let n2 = 0;
    for (const u of u0) n2 += (-(u - mu) * A + B * g()) ** 2;
    const n = Math.sqrt(n2);
    sum += n;
    sq += n * n;
  }
  const mean = sum / draws;
  return { mean, std: Math.sqrt(sq / draws - mean * mean) };
}

function zScores(norms: Float32Array, x: tf.Tensor4D, mu: number, s: number, coef: { a: number; sigma: number }[]): number[] {
  const n = x.shape[0];
  const per = x.size / n;
  const u0 = tf.tidy(() => tf.sub(tf.mul(x, 2), 1).dataSync() as Float32Array);
  return Array.from({ length: n }, (_, i) => {
    const { mean, std } = analyticNormStats(u0.subarray(i * per, (i + 1) * per), mu, s, coef, 100 + i);
    return (norms[i]! - mean) / std;
  });
}

describe('epsNorm', () => {
  const schedule = linearSchedule();
  const mu = 0;
  const s = 0.1; // small data spread: the noise part of EPS is comparable to the deterministic part

  it('matches the closed-form distribution of the exact Gaussian score (discrete schedule, index k − 1)', () => {
    const x = images(48, 8, 5);
    const norms = epsNorm(gaussianEpsilon(schedule, mu, s), schedule, x, { steps: 20, seed: 7 });
    const coef = Array.from({ length: 20 }, (_, k) => ({ a: Math.sqrt(schedule.alphasCumprod[k]!), sigma: Math.sqrt(1 - schedule.alphasCumprod[k]!) }));
    const z = zScores(norms, x, mu, s, coef);
    const meanZ = z.reduce((p, v) => p + v, 0) / z.length;
    const meanZ2 = z.reduce((p, v) => p + v * v, 0) / z.length;
    expect(Math.abs(meanZ)).toBeLessThan(4 / Math.sqrt(z.length)); // unbiased within Monte-Carlo error
    expect(meanZ2).toBeGreaterThan(0.4); // spread as predicted (E z² = 1, sd ≈ 0.2 for 48 images)
    expect(meanZ2).toBeLessThan(1.8);
    x.dispose();
  });

  it('matches the closed form with a VP-SDE (time input 999·s, m(s), σ(s))', () => {
    const sde = vpSde();
    const x = images(32, 8, 6);
    const norms = epsNorm(gaussianEpsilonSde(sde, mu, s), sde, x, { steps: 20, seed: 8 });
    const coef = Array.from({ length: 20 }, (_, k) => ({ a: sde.m((k + 1) / 1000), sigma: sde.sigma((k + 1) / 1000) }));
    const z = zScores(norms, x, mu, s, coef);
    expect(Math.abs(z.reduce((p, v) => p + v, 0) / z.length)).toBeLessThan(4 / Math.sqrt(z.length));
    x.dispose();
  });

  it('feeds the model int32 indices 0 … T_S−1 for a 1000-step schedule and float 999·s for a VP-SDE', () => {
    const seen: { dtype: string; values: number[] }[] = [];
    const spy = (u: tf.Tensor4D, t: tf.Tensor1D): tf.Tensor4D => {
      seen.push({ dtype: t.dtype, values: Array.from(t.dataSync()) });
      return tf.zerosLike(u);
    };
    const x = images(2, 4);
    epsNorm(spy, schedule, x, { steps: 3, batchSize: 2 });
    expect(seen.map((c) => [c.dtype, c.values[0]])).toEqual([['int32', 0], ['int32', 1], ['int32', 2]]);
    seen.length = 0;
    epsNorm(spy, schedule, x, { steps: 3 }); // stacked: one call, rows grouped by grid point
    expect(seen).toEqual([{ dtype: 'int32', values: [0, 0, 1, 1, 2, 2] }]);
    seen.length = 0;
    epsNorm(spy, vpSde(), x, { steps: 2, batchSize: 2 });
    expect(seen.map((c) => c.dtype)).toEqual(['float32', 'float32']);
    expect(seen[1]!.values[0]).toBeCloseTo(1.998, 4);
    x.dispose();
  });

  it('returns N non-negative norms as a Float32Array, seeded, larger far from the data', () => {
    const model = gaussianEpsilon(schedule, 0, 0.1);
    const near = tf.fill([4, 8, 8, 1], 0.5) as tf.Tensor4D; // u0 = 0 = mu
    const far = tf.fill([4, 8, 8, 1], 0.9) as tf.Tensor4D;
    const a: EpsNorms = expectNoLeak(() => epsNorm(model, schedule, near, { seed: 3 }));
    const b = epsNorm(model, schedule, near, { seed: 3 });
    const c = epsNorm(model, schedule, far, { seed: 3 });
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(4);
    expect(a.every((v) => v >= 0)).toBe(true);
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Math.min(...c)).toBeGreaterThan(Math.max(...a));
    tf.dispose([near, far]);
  });

  it('stacks grid points into larger model calls without changing the result', () => {
    const model = gaussianEpsilon(schedule, 0, 0.5);
    const x = images(2, 8, 3);
    const calls: number[] = [];
    const counting = (u: tf.Tensor4D, t: tf.Tensor1D): tf.Tensor4D => {
      calls.push(u.shape[0]);
      return model(u, t);
    };
    const one = epsNorm(counting, schedule, x, { steps: 5, batchSize: 2 }); // 5 calls of 2 rows
    const stacked = epsNorm(counting, schedule, x, { steps: 5, batchSize: 8 }); // grid points 4 + 1: calls of 8 and 2 rows
    expect(calls).toEqual([2, 2, 2, 2, 2, 8, 2]);
    one.forEach((v, i) => expect(stacked[i]).toBeCloseTo(v, 4));
    x.dispose();
  });

  it('splits into batches (same shape, same distribution) and leaks nothing, also inside tf.grad', () => {
    const model = gaussianEpsilon(schedule, 0, 0.5);
    const x = images(5, 8, 2);
    const n = expectNoLeak(() => epsNorm(model, schedule, x, { batchSize: 2 }));
    expect(n.length).toBe(5);
    // inside a gradient computation the norms are constants: d/dx sum(x)·Σe = Σe everywhere
    const total = n.reduce((p, v) => p + v, 0);
    const g = expectNoLeak(() => {
      const grad = tf.grad((xx: tf.Tensor) => {
        const e = epsNorm(model, schedule, xx as tf.Tensor4D, { batchSize: 2 });
        return tf.mul(tf.sum(xx), e.reduce((p, v) => p + v, 0)) as tf.Scalar;
      })(x);
      return { values: Array.from(grad.dataSync()), grad };
    }).values;
    expect(g.every((v) => Math.abs(v - total) < 1e-3 * total)).toBe(true);
    x.dispose();
  });

  it('rejects bad input before any model call', () => {
    let calls = 0;
    const model = (u: tf.Tensor4D): tf.Tensor4D => {
      calls++;
      return tf.zerosLike(u);
    };
    const x = images(2, 4);
    expect(expectRobustError(() => epsNorm(model, schedule, x, { steps: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => epsNorm(model, schedule, x, { steps: 1.5 })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => epsNorm(model, schedule, x, { batchSize: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => epsNorm(model, schedule, x, { foo: 1 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(expectRobustError(() => epsNorm(model, {} as never, x)).message).toMatch(/NoiseSchedule/);
    expect(expectRobustError(() => epsNorm('m' as never, schedule, x)).message).toMatch(/NoisePredictor/);
    const bad = tf.fill([1, 4, 4, 1], 2) as tf.Tensor4D;
    expect(expectRobustError(() => epsNorm(model, schedule, bad)).code).toBe('OUT_OF_RANGE');
    expect(calls).toBe(0);
    tf.dispose([x, bad]);
  });
});
