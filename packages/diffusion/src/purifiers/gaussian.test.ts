import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon, useWasm } from '../../test/helpers';
import { linearSchedule } from '../schedule';
import { diffPure, gdmp } from './factories';

useWasm();

/**
 * With the exact epsilon-predictor of Gaussian data N(0, s²) (per pixel, diffusion space), purifying samples of
 * the data distribution must return samples of the same distribution: noising then sampling the reverse process
 * preserves the marginal. Checks the DDPM discretisation (full and coarse step counts) and the VP-SDE solver.
 */
describe('purifiers preserve the data distribution with an exact model', () => {
  const schedule = linearSchedule();
  const s = 0.25;
  const model = gaussianEpsilon(schedule, 0, s);
  const moments = (x: tf.Tensor4D): { mean: number; variance: number } => tf.tidy(() => {
    const u = tf.sub(tf.mul(x, 2), 1);
    const { mean, variance } = tf.moments(u);
    return { mean: mean.dataSync()[0]!, variance: variance.dataSync()[0]! };
  });

  // Coarse chains (K < t*) carry the known discretisation bias of skipped DDPM steps: each step samples
  // q(u_b | u_a, û0) around the posterior mean û0 and ignores its uncertainty, which shrinks the variance (measured
  // −12 % for 20 steps at t* = 100 here, −3 % for the full chain, within Monte-Carlo and clipping error).
  it.each([
    ['ddpm, full chain', diffPure(model, schedule, { t: 100, steps: 100 }), 0.03],
    ['ddpm, 20 steps', diffPure(model, schedule, { t: 100, steps: 20 }), 0.15],
    ['sde, 100 steps', diffPure(model, schedule, { t: 100, steps: 100, solver: 'sde' }), 0.03],
    ['gdmp without guidance', gdmp(model, schedule, { t: 36, steps: 36, iterations: 2, guidance: null }), 0.03],
  ] as const)('%s', (_, purifier, tol) => {
    const x = tf.tidy(() => tf.clipByValue(tf.add(tf.mul(tf.randomNormal([4, 64, 64, 1], 0, s / 2, 'float32', 1), 1), 0.5), 0, 1)) as tf.Tensor4D;
    const before = moments(x);
    const out = purifier(x, undefined, { seed: 2 });
    const after = moments(out);
    expect(Math.abs(after.mean)).toBeLessThan(0.01);
    expect(Math.abs(after.variance - before.variance) / before.variance).toBeLessThan(tol);
    tf.dispose([x, out]);
  });
});
