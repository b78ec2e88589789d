import * as tf from '@tensorflow/tfjs';
import { diffPure, gns, linearSchedule, vpSde } from '@robustjs/diffusion';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon, images, useWasm } from '../test/helpers';
import { SsniCalibration, calibrate } from './calibration';
import { ssniTimesteps } from './reweight';
import { ssniPurifier } from './ssniPurifier';

useWasm();

const schedule = linearSchedule();
const model = gaussianEpsilon(schedule, 0, 0.5);

function setup(): { x: tf.Tensor4D; calibration: SsniCalibration } {
  const ref = images(16, 8, 11);
  const calibration = calibrate(model, schedule, ref, { steps: 4, seed: 2, modelId: 'gauss' });
  ref.dispose();
  return { x: images(4, 8, 12), calibration };
}

describe('ssniPurifier', () => {
  it('purifies with per-sample timesteps from the EPS norms, K + b steps for SSNI-N, and reports them', () => {
    const { x, calibration } = setup();
    const base = diffPure(model, schedule, { t: 20, steps: 4 });
    const ssni = ssniPurifier(base, model, calibration, { tau: calibration.std, bias: 2 });
    expect(ssni.settings).toMatchObject({ rule: 'ssni-n', bias: 2, extraSteps: 2, epsSteps: 4, epsSeed: 2, stages: [20], steps: [6] });
    expect(ssni.runner.settings.steps).toEqual([6]);
    expect(ssni.last).toBeUndefined();
    const info = expectNoLeak(() => {
      const r = ssni.purifyWithInfo(x, { seed: 3 });
      expect(r.images.shape).toEqual(x.shape);
      const [lo, hi] = tf.tidy(() => [tf.min(r.images).dataSync()[0]!, tf.max(r.images).dataSync()[0]!]);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      r.images.dispose();
      return { norms: r.norms, timesteps: r.timesteps };
    });
    expect(info.norms.length).toBe(4);
    expect(Array.from(info.timesteps[0]!)).toEqual(Array.from(ssniTimesteps(info.norms, calibration, 'ssni-n', { tStar: 20, tau: calibration.std, bias: 2 })));
    expect(info.timesteps[0]!.every((t) => t >= 0 && t <= 21)).toBe(true);
    expect(ssni.last?.norms).toEqual(info.norms);
    // same seed → same images; the callable form (x, tStar?, { seed }) is purify
    const a = ssni(x, undefined, { seed: 5 });
    const b = ssni.purify(x, { seed: 5 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([a, b, x]);
  });

  it('gives t = 0 to inputs far cleaner than the calibration (output ≈ input) and t* − 1 + b to outliers', () => {
    const { x } = setup();
    const settings = { steps: 4, seed: 2, modelId: 'gauss', imageShape: [8, 8, 1] as [number, number, number], process: 'schedule:linear:T=1000:betaStart=0.0001:betaEnd=0.02' };
    const base = diffPure(model, schedule, { t: 20, steps: 4 });
    const clean = ssniPurifier(base, model, new SsniCalibration({ mean: 1e6, std: 1, min: 0, max: 2e6, count: 2, settings }));
    const r = clean.purifyWithInfo(x, { seed: 1 });
    expect(Array.from(r.timesteps[0]!)).toEqual([0, 0, 0, 0]);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(r.images, x))).dataSync()[0]!)).toBeLessThan(0.05);
    const dirty = ssniPurifier(base, model, new SsniCalibration({ mean: 0, std: 1, min: 0, max: 1, count: 2, settings }), { tau: 1e-6 });
    expect(Array.from(dirty.timesteps(dirty.norms(x))[0]!)).toEqual([24, 24, 24, 24]);
    tf.dispose([r.images, x]);
  });

  it('rescales every stage of a multi-stage purifier (GNS) with its own t_k*', () => {
    const { x, calibration } = setup();
    const ssni = ssniPurifier(gns(model, schedule, { stages: [10, 30], steps: [2, 3] }), model, calibration, { tau: 0.5, bias: 1 });
    expect(ssni.settings.steps).toEqual([3, 4]);
    const { images: y, norms, timesteps } = ssni.purifyWithInfo(x, { seed: 1 });
    expect(timesteps.length).toBe(2);
    expect(Array.from(timesteps[1]!)).toEqual(Array.from(ssniTimesteps(norms, calibration, 'ssni-n', { tStar: 30, tau: 0.5, bias: 1 })));
    expect(Array.from(ssni.timesteps(norms, 12)[1]!)).toEqual(Array.from(ssniTimesteps(norms, calibration, 'ssni-n', { tStar: 12, tau: 0.5, bias: 1 })));
    tf.dispose([y, x]);
  });

  it('SSNI-L keeps K steps and includes the batch in ξ', () => {
    const { x, calibration } = setup();
    const ssni = ssniPurifier(diffPure(model, schedule, { t: 20, steps: 4 }), model, calibration, { rule: 'ssni-l', bias: 1 });
    expect(ssni.settings.steps).toEqual([4]);
    const norms = ssni.norms(x);
    const t = ssni.timesteps(norms)[0]!;
    expect(Array.from(t)).toEqual(Array.from(ssniTimesteps(norms, calibration, 'ssni-l', { tStar: 20, tau: 1, bias: 1 })));
    x.dispose();
  });

  it('rejects mismatched calibrations and bad settings before any model call', () => {
    const { x, calibration } = setup();
    let calls = 0;
    const counting = (u: tf.Tensor4D, t: tf.Tensor1D): tf.Tensor4D => {
      calls++;
      return model(u, t);
    };
    const base = diffPure(counting, schedule, { t: 20, steps: 4 });
    const ssni = ssniPurifier(base, counting, calibration);
    const other = images(2, 6);
    const shape = expectRobustError(() => ssni.purify(other));
    expect(shape.code).toBe('SHAPE_MISMATCH');
    expect(shape.message).toMatch(/\[N,8,8,1\].*got \[N,6,6,1\].*calibrate again/);
    const ts = expectRobustError(() => ssniPurifier(base, counting, calibration, { epsSteps: 20 }));
    expect(ts.message).toMatch(/T_S.*calibration's T_S 4, got 20/);
    expect(expectRobustError(() => ssniPurifier(base, counting, calibration, { tau: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ssniPurifier(base, counting, calibration, { tau: -2 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ssniPurifier(base, counting, calibration, { bias: 2.5 })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => ssniPurifier(base, counting, calibration, { bias: -1 })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => ssniPurifier(diffPure(counting, schedule, { t: 1000 }), counting, calibration)).message).toMatch(/exceed the schedule's T = 1000/);
    expect(expectRobustError(() => ssniPurifier(base, counting, calibration, { process: vpSde() })).message).toMatch(/forward process/);
    expect(expectRobustError(() => ssniPurifier(base, counting, calibration, { modelId: 'unet' })).message).toMatch(/'modelId'.*"gauss".*"unet"/);
    expect(expectRobustError(() => ssniPurifier(base, counting, calibration, { foo: 1 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(expectRobustError(() => ssni.purify(x, { tStar: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ssniPurifier({} as never, counting, calibration)).message).toMatch(/DiffusionPurifier/);
    expect(calls).toBe(0);
    tf.dispose([x, other]);
  });
});
