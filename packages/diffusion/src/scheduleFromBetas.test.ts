import * as tf from '@tensorflow/tfjs';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon, images, useWasm } from '../test/helpers';
import { diffPure, gdmp, gns } from './purifiers/factories';
import { qSample } from './qSample';
import { assertSchedule, cosineSchedule, linearSchedule, type NoiseSchedule } from './schedule';
import { scheduleFromBetas } from './scheduleFromBetas';
import { ddimStep } from './steps';
import { vpSde, type VpSde } from './vpSde';
import { trainDiffusion } from './train';
import { createUnet } from './unet/unet';

useWasm();

const values = (t: tf.Tensor): number[] => Array.from(t.dataSync());

/** Sigmoid betas from 1e-4 to 0.05 over T steps (a schedule robustjs does not name). */
const sigmoidBetas = (T: number): number[] =>
  Array.from({ length: T }, (_, i) => 1e-4 + 0.0499 / (1 + Math.exp(6 - (12 * i) / (T - 1))));

/**
 * Each purifier kind the package builds, on `schedule`, with the exact Gaussian ε-model; the SDE
 * solver with `sde`, or the one derived from a linear schedule.
 */
function purifiers(schedule: NoiseSchedule, sde?: VpSde) {
  const model = gaussianEpsilon(schedule, 0.5, 0.3);
  return [
    diffPure(model, schedule, { t: 20, steps: 3 }),
    diffPure(model, schedule, { t: 20, steps: 3, solver: 'sde', ...(sde ? { sde } : {}) }),
    diffPure(model, schedule, { t: 20, steps: 3, eta: 0 }),
    gdmp(model, schedule, { t: 10, steps: 2, iterations: 2 }),
    gns(model, schedule, { stages: [5, 10], steps: [1, 2] }),
  ];
}

describe('scheduleFromBetas', () => {
  it('reproduces the linear schedule from its betas: same tables, kind custom, frozen', () => {
    const linear = linearSchedule();
    const s = scheduleFromBetas(Array.from(linear.betas));
    expect(s.kind).toBe('custom');
    expect(s.T).toBe(1000);
    expect(Array.from(s.betas)).toEqual(Array.from(linear.betas));
    expect(Array.from(s.alphas)).toEqual(Array.from(linear.alphas));
    expect(Array.from(s.alphasCumprod)).toEqual(Array.from(linear.alphasCumprod));
    const fingerprint = expect.stringMatching(/^[0-9a-f]{16}$/);
    expect(s.settings).toEqual({ kind: 'custom', T: 1000, fingerprint });
    expect(Object.isFrozen(s)).toBe(true);
    expect(() => assertSchedule(s, 'test')).not.toThrow();
  });

  it('copies the betas, takes number[] and typed arrays, and fingerprints the values', () => {
    const betas = new Float64Array([0.1, 0.2, 0.3]);
    const s = scheduleFromBetas(betas);
    betas[0] = 0.5;
    expect(s.betas[0]).toBe(0.1);
    expect(s.alphasCumprod[2]).toBeCloseTo(0.9 * 0.8 * 0.7, 15);
    expect(scheduleFromBetas([0.1, 0.2, 0.3]).settings).toEqual(s.settings);
    expect(scheduleFromBetas(new Float32Array([0.5])).betas[0]).toBe(0.5);
    const { fingerprint } = s.settings;
    expect(scheduleFromBetas([0.1, 0.2, 0.31]).settings.fingerprint).not.toBe(fingerprint);
    expect(scheduleFromBetas([0.2, 0.1, 0.3]).settings.fingerprint).not.toBe(fingerprint);
  });

  it('every purifier, qSample and ddimStep give the named schedule\'s results, bit for bit', () => {
    const x = images(2, 8, 3);
    for (const named of [linearSchedule(), cosineSchedule({ T: 200 })]) {
      const custom = scheduleFromBetas(named.betas);
      // cosine betas are not linear: the SDE solver needs an explicit SDE
      const sde = named.kind === 'cosine' ? vpSde() : undefined;
      const [a, b] = [purifiers(named, sde), purifiers(custom, sde)];
      a.forEach((p, k) => {
        const [ya, yb] = [p(x, undefined, { seed: 4 }), b[k]!(x, undefined, { seed: 4 })];
        expect(values(yb)).toEqual(values(ya));
        tf.dispose([ya, yb]);
      });
      const u = tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D;
      const z = tf.randomNormal(u.shape, 0, 1, 'float32', 5) as tf.Tensor4D;
      const [qa, qb] = [qSample(named, u, 30, { noise: z }), qSample(custom, u, 30, { noise: z })];
      expect(values(qb)).toEqual(values(qa));
      const step = (s: NoiseSchedule) =>
        ddimStep(gaussianEpsilon(s, 0.5, 0.3), s, qa, 30, 10, { eta: 0 });
      const [da, db] = [step(named), step(custom)];
      expect(values(db)).toEqual(values(da));
      tf.dispose([u, z, qa, qb, da, db]);
    }
    x.dispose();
  });

  it('a schedule of its own (sigmoid, T = 50) runs every purifier: [0,1], seeded, no leaks', () => {
    const schedule = scheduleFromBetas(sigmoidBetas(50));
    const x = images(2, 8, 7);
    const noSde = () =>
      diffPure(gaussianEpsilon(schedule, 0, 1), schedule, { solver: 'sde', t: 20 });
    const e = expectRobustError(noSde);
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/'custom' schedule's betas are not linear.*Pass .*option 'sde'/);
    const linear = linearSchedule();
    const linearOut = diffPure(gaussianEpsilon(linear, 0.5, 0.3), linear, { t: 20, steps: 3 });
    for (const p of purifiers(schedule, vpSde({ betaMin: 0.005, betaMax: 2.5 }))) {
      // the purified images are read, then disposed by expectNoLeak with everything else
      const run = () => expectNoLeak(() => {
        const y = p(x, undefined, { seed: 1 });
        return { shape: y.shape, v: values(y), y };
      });
      const { shape, v } = run();
      expect(shape).toEqual(x.shape);
      expect(Math.min(...v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...v)).toBeLessThanOrEqual(1);
      expect(run().v).toEqual(v);
    }
    // the betas are read: the same t on another schedule is another purification
    const own = purifiers(schedule, vpSde())[0]!(x, undefined, { seed: 1 });
    const lin = linearOut(x, undefined, { seed: 1 });
    expect(values(own)).not.toEqual(values(lin));
    const tooLong = () => diffPure(gaussianEpsilon(schedule, 0, 1), schedule, { t: 51 });
    expect(expectRobustError(tooLong).code).toBe('OUT_OF_RANGE');
    tf.dispose([x, own, lin]);
  });

  it('trainDiffusion trains on it exactly as on the named schedule it copies', async () => {
    const pixels = new Uint8Array(8 * 28 * 28).map((_, i) => (i * 37) % 256);
    const data = { images: pixels, shape: [8, 28, 28, 1] };
    const losses = async (s: NoiseSchedule): Promise<readonly number[]> => {
      const unet = createUnet({ preset: 'tiny', seed: 1 });
      const options = { steps: 2, batchSize: 4, warmupSteps: 1, tMax: 100, seed: 3 };
      const r = await trainDiffusion(unet, data, s, options);
      tf.dispose(Object.values(r.ema));
      unet.dispose();
      return r.losses;
    };
    const named = await losses(linearSchedule());
    expect(await losses(scheduleFromBetas(linearSchedule().betas))).toEqual(named);
    expect(named.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  });

  it('refuses bad betas with a RobustError naming the index, before any work', () => {
    const code = (betas: unknown) =>
      expectRobustError(() => scheduleFromBetas(betas as number[])).code;
    expect(code([])).toBe('EMPTY_INPUT');
    expect(code('0.1,0.2')).toBe('INVALID_ARGUMENT');
    expect(code(undefined)).toBe('INVALID_ARGUMENT');
    expect(code({ length: 1, 0: 0.1 })).toBe('INVALID_ARGUMENT');
    expect(code([0.1, '0.2'])).toBe('INVALID_ARGUMENT');
    expect(code([0.1, Number.NaN])).toBe('NOT_FINITE');
    expect(code([Number.POSITIVE_INFINITY])).toBe('NOT_FINITE');
    expect(code([0])).toBe('OUT_OF_RANGE');
    expect(code([0.1, 1])).toBe('OUT_OF_RANGE');
    expect(code([-0.01])).toBe('OUT_OF_RANGE');
    const e = expectRobustError(() => scheduleFromBetas([0.01, 0.02, 1.5]));
    const want = /'betas\[2\]' passed to 'scheduleFromBetas' must be in \(0, 1\).*got 1\.5/;
    expect(e.message).toMatch(want);
    const under = expectRobustError(() => scheduleFromBetas(new Array<number>(1100).fill(0.5)));
    expect(under.code).toBe('OUT_OF_RANGE');
    expect(under.message).toMatch(/underflow to 0 at index 10\d\d/);
  });
});
