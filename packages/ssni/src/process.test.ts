import { diffPure, gdmp, gns, linearSchedule, scheduleFromBetas } from '@robustjs/diffusion';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon, images, useWasm } from '../test/helpers';
import { calibrate } from './calibration';
import { epsNorm } from './epsNorm';
import { describeProcess } from './process';
import { ssniPurifier } from './ssniPurifier';

useWasm();

/** Betas of a user's own schedule: quadratic from 1e-4 to 0.04 over T = 60 steps. */
const ownBetas = Array.from({ length: 60 }, (_, i) => 1e-4 + 0.04 * (i / 59) ** 2);

describe('SSNI with a schedule built from betas (scheduleFromBetas)', () => {
  it('names it by its betas: kind, T and fingerprint; other betas are another process', () => {
    const s = scheduleFromBetas(ownBetas);
    const id = describeProcess(s, 'test');
    expect(id).toBe(`schedule:custom:T=60:fingerprint=${s.settings.fingerprint}`);
    expect(describeProcess(scheduleFromBetas(ownBetas), 'test')).toBe(id);
    expect(describeProcess(scheduleFromBetas([...ownBetas.slice(1), 0.05]), 'test')).not.toBe(id);
    expect(expectRobustError(() => describeProcess({ T: 3 }, 'f')).message)
      .toMatch(/scheduleFromBetas\(betas\)/);
  });

  it('gives the EPS norms of the named schedule it copies, bit for bit', () => {
    const linear = linearSchedule();
    const custom = scheduleFromBetas(linear.betas);
    const x = images(3, 8, 4);
    const model = gaussianEpsilon(linear, 0, 0.5);
    const a = epsNorm(model, linear, x, { steps: 5, seed: 2 });
    const b = epsNorm(model, custom, x, { steps: 5, seed: 2 });
    expect(Array.from(b)).toEqual(Array.from(a));
    x.dispose();
  });

  it('calibrates and purifies around DiffPure, GDMP and GNS; refuses another schedule', () => {
    const schedule = scheduleFromBetas(ownBetas);
    const model = gaussianEpsilon(schedule, 0.5, 0.3);
    const ref = images(12, 8, 11);
    const calibration = calibrate(model, schedule, ref, { steps: 4, seed: 2, modelId: 'own' });
    ref.dispose();
    expect(calibration.settings.process).toBe(describeProcess(schedule, 'test'));
    const x = images(3, 8, 12);
    const bases = [
      diffPure(model, schedule, { t: 20, steps: 3 }),
      gdmp(model, schedule, { t: 10, steps: 2, iterations: 2 }),
      gns(model, schedule, { stages: [10, 20], steps: [1, 2] }),
    ];
    for (const base of bases) {
      const ssni = ssniPurifier(base, model, calibration, { bias: 2 });
      const info = expectNoLeak(() => {
        const r = ssni.purifyWithInfo(x, { seed: 3 });
        const v = Array.from(r.images.dataSync());
        return { shape: r.images.shape, v, images: r.images, timesteps: r.timesteps };
      });
      expect(info.shape).toEqual(x.shape);
      expect(Math.min(...info.v)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...info.v)).toBeLessThanOrEqual(1);
      // every per-sample t is an index of this 60-step schedule
      for (const ts of info.timesteps) expect(ts.every((t) => t >= 0 && t < 60)).toBe(true);
    }
    const other = scheduleFromBetas(ownBetas.map((b) => b * 1.01));
    const foreign = diffPure(model, other, { t: 20, steps: 3 });
    const e = expectRobustError(() => ssniPurifier(foreign, model, calibration, { bias: 2 }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    const want = /must be the calibration's "schedule:custom:T=60:fingerprint=[0-9a-f]{16}"/;
    expect(e.message).toMatch(want);
    x.dispose();
  });
});
