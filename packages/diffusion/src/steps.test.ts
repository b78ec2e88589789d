import * as tf from '@tensorflow/tfjs';
import { expectClose, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { constantEpsilon, gaussianEpsilon, useWasm } from '../test/helpers';
import { linearSchedule } from './schedule';
import { probabilityFlowStep, vpSdeStep } from './sdeSteps';
import { stepMatrix, stepPairs } from './sequences';
import { ddimInvertStep, ddimStep } from './steps';
import { createUnet, type Unet } from './unet/unet';
import { vpSde } from './vpSde';

useWasm();

describe('sampler steps with per-sample timesteps', () => {
  const schedule = linearSchedule();
  let unet: Unet;
  beforeAll(() => {
    unet = createUnet({ preset: 'tiny', seed: 3 });
  });
  afterAll(() => unet.dispose());

  it('a == b is exactly the identity, per sample, whatever the model', () => {
    const u = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const next = ddimStep(unet.predict, schedule, u, [50, 7, 300], [50, 3, 300], { seed: 2 });
    const a = u.arraySync();
    const b = next.arraySync();
    expect(b[0]).toEqual(a[0]);
    expect(b[2]).toEqual(a[2]);
    expect(b[1]).not.toEqual(a[1]);
    const same = ddimStep(unet.predict, schedule, u, 5, 5, { eta: 1, seed: 3 });
    expect(same.arraySync()).toEqual(a);
    tf.dispose([u, next, same]);
  });

  it('DDIM (eta 0) inversion then reconstruction returns the input: exact with a known-noise model', () => {
    const eps = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
    const model = constantEpsilon(eps);
    const u0 = tf.randomUniform([2, 28, 28, 1], -1, 1, 'float32', 6) as tf.Tensor4D;
    const grid = [-1, 9, 19, 39, 59, 99];
    let u = tf.clone(u0);
    for (let k = 1; k < grid.length; k++) {
      const next = ddimInvertStep(model, schedule, u, grid[k - 1]!, grid[k]!);
      u.dispose();
      u = next;
    }
    for (let k = grid.length - 1; k > 0; k--) {
      const next = ddimStep(model, schedule, u, grid[k]!, grid[k - 1]!, { eta: 0 });
      u.dispose();
      u = next;
    }
    const err = tf.max(tf.abs(tf.sub(u, u0))).dataSync()[0]!;
    expect(err).toBeLessThan(1e-3);
    expect(err).toBeLessThan(1e-5);
    tf.dispose([eps, u0, u]);
  });

  it('DDIM inversion/reconstruction with the exact predictor of Gaussian data (unit steps to index 49) is within 1e-3', () => {
    const model = gaussianEpsilon(schedule, 0.2, 0.9);
    const u0 = tf.randomUniform([2, 8, 8, 1], -1, 1, 'float32', 7) as tf.Tensor4D;
    let u = tf.clone(u0);
    for (let i = -1; i < 49; i++) {
      const next = ddimInvertStep(model, schedule, u, i, i + 1);
      u.dispose();
      u = next;
    }
    for (let i = 49; i >= 0; i--) {
      const next = ddimStep(model, schedule, u, i, i - 1, { eta: 0 });
      u.dispose();
      u = next;
    }
    expect(tf.max(tf.abs(tf.sub(u, u0))).dataSync()[0]!).toBeLessThan(1e-3);
    tf.dispose([u0, u]);
  });

  it('a batch with different t per sample equals the samples processed one by one (1e-5)', () => {
    const t = [100, 37, 5, 64];
    const K = 10;
    const pairs = stepPairs(stepMatrix(t, K));
    const uT = tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 11) as tf.Tensor4D;
    const noises = pairs.map((_, k) => tf.randomNormal([4, 28, 28, 1], 0, 1, 'float32', 100 + k) as tf.Tensor4D);
    const run = (u: tf.Tensor4D, rows: number[]): tf.Tensor4D => {
      let cur = tf.clone(u);
      pairs.forEach(({ from, to }, k) => {
        const z = tf.gather(noises[k]!, rows) as tf.Tensor4D;
        const next = ddimStep(unet.predict, schedule, cur, rows.map((r) => from[r]!), rows.map((r) => to[r]!), { noise: z });
        tf.dispose([cur, z]);
        cur = next;
      });
      return cur;
    };
    const batch = run(uT, [0, 1, 2, 3]);
    for (let i = 0; i < 4; i++) {
      const ui = tf.slice(uT, [i, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
      const single = run(ui, [i]);
      const row = tf.slice(batch, [i, 0, 0, 0], [1, -1, -1, -1]);
      expectClose(single.dataSync(), row.dataSync(), 1e-5, `sample ${i}`);
      tf.dispose([ui, single, row]);
    }
    tf.dispose([uT, batch, ...noises]);
  });

  it('VP-SDE and probability-flow steps: Δs = 0 leaves a sample unchanged; per-sample equals one by one', () => {
    const sde = vpSde();
    const u = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 12) as tf.Tensor4D;
    const z = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 13) as tf.Tensor4D;
    const both = vpSdeStep(unet.predict, sde, u, [0.1, 0.05], [1e-3, 0], { noise: z });
    expect(both.arraySync()[1]).toEqual(u.arraySync()[1]);
    const u0 = tf.slice(u, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    const z0 = tf.slice(z, [0, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    const one = vpSdeStep(unet.predict, sde, u0, 0.1, 1e-3, { noise: z0 });
    expectClose(one.dataSync(), tf.slice(both, [0, 0, 0, 0], [1, -1, -1, -1]).dataSync(), 1e-5);
    const ode = probabilityFlowStep(unet.predict, sde, u, 0.1, 0);
    expect(ode.arraySync()).toEqual(u.arraySync());
    tf.dispose([u, z, both, u0, z0, one, ode]);
  });

  it('no tensor leaks over 100 sampler steps', () => {
    const u = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 14) as tf.Tensor4D;
    expectNoLeak(() => {
      let cur = tf.clone(u);
      for (let i = 99; i >= 0; i--) {
        const next = ddimStep(unet.predict, schedule, cur, i, i - 1, { seed: i });
        cur.dispose();
        cur = next;
      }
      return cur;
    });
    u.dispose();
  });

  it('bad input: t outside [0, T), to > from, mismatched length, eta < 0, NaN images', () => {
    const u = tf.zeros([2, 28, 28, 1]) as tf.Tensor4D;
    expect(expectRobustError(() => ddimStep(unet.predict, schedule, u, 1000, 5)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ddimStep(unet.predict, schedule, u, 5, 6)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ddimStep(unet.predict, schedule, u, [5, 6, 7], 1)).code).toBe('SHAPE_MISMATCH');
    expect(expectRobustError(() => ddimStep(unet.predict, schedule, u, 5, 4, { eta: -1 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ddimStep(unet.predict, schedule, u, 5, 4, { etaa: 1 } as never)).code).toBe('UNKNOWN_OPTION');
    const nan = tf.fill([1, 28, 28, 1], Number.NaN) as tf.Tensor4D;
    expect(expectRobustError(() => ddimStep(unet.predict, schedule, nan, 5, 4)).code).toBe('NOT_FINITE');
    expect(expectRobustError(() => ddimStep('x' as never, schedule, u, 5, 4)).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => vpSdeStep(unet.predict, vpSde(), u, 0, 1e-3)).code).toBe('OUT_OF_RANGE');
    tf.dispose([u, nan]);
  });
});
