import { linearSchedule, vpSde } from '@robustjs/diffusion';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon, images, useWasm } from '../test/helpers';
import { SsniCalibration, calibrate } from './calibration';
import { epsNorm } from './epsNorm';

useWasm();

const settings = { steps: 20, seed: 0, modelId: 'm', imageShape: [8, 8, 1] as [number, number, number], process: 'vpsde:0.1:20' };

describe('SsniCalibration', () => {
  it('computes mean, sample std, min, max and count from norms', () => {
    const c = SsniCalibration.fromNorms([1, 2, 3, 6], settings);
    expect([c.mean, c.min, c.max, c.count]).toEqual([3, 1, 6, 4]);
    expect(c.std).toBeCloseTo(Math.sqrt(14 / 3), 12);
    expect(SsniCalibration.fromNorms([2], settings).std).toBe(0);
  });

  it('round-trips through JSON and is frozen', () => {
    const c = SsniCalibration.fromNorms([1, 2, 3], settings);
    const again = SsniCalibration.fromJSON(JSON.parse(JSON.stringify(c)));
    expect(again.toJSON()).toEqual(c.toJSON());
    expect(again.settings.imageShape).toEqual([8, 8, 1]);
    expect(Object.isFrozen(again) && Object.isFrozen(again.settings)).toBe(true);
  });

  it('rejects foreign JSON, empty norms and inconsistent statistics', () => {
    expect(expectRobustError(() => SsniCalibration.fromJSON({ mean: 1 })).code).toBe('CORRUPT_FILE');
    expect(expectRobustError(() => SsniCalibration.fromNorms([], settings)).code).toBe('EMPTY_INPUT');
    expect(expectRobustError(() => SsniCalibration.fromNorms([1, -1], settings)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => new SsniCalibration({ mean: 5, std: 1, min: 1, max: 3, count: 3, settings })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => new SsniCalibration({ mean: 2, std: 1, min: 1, max: 3, count: 3, settings: { ...settings, imageShape: [8, 8] as never } })).code).toBe('INVALID_ARGUMENT');
  });
});

describe('calibrate', () => {
  const schedule = linearSchedule();
  const model = gaussianEpsilon(schedule, 0, 0.5);

  it('stores the statistics of epsNorm with the same settings, and the settings', () => {
    const x = images(6, 8, 4);
    const c = expectNoLeak(() => calibrate(model, schedule, x, { steps: 5, seed: 9, modelId: 'gauss', batchSize: 64 }));
    const v = Array.from(epsNorm(model, schedule, x, { steps: 5, seed: 9 }));
    expect(c.mean).toBeCloseTo(v.reduce((a, b) => a + b, 0) / 6, 4);
    expect(c.min).toBeCloseTo(Math.min(...v), 5);
    expect(c.max).toBeCloseTo(Math.max(...v), 5);
    expect(c.count).toBe(6);
    expect(c.settings).toEqual({ steps: 5, seed: 9, modelId: 'gauss', imageShape: [8, 8, 1], process: 'schedule:linear:T=1000:betaStart=0.0001:betaEnd=0.02' });
    expect(calibrate(model, vpSde(), x, { steps: 2 }).settings.process).toBe('vpsde:0.1:20');
    x.dispose();
  });

  it('rejects T_S < 1 and unknown options before work', () => {
    const x = images(2, 8);
    expect(expectRobustError(() => calibrate(model, schedule, x, { steps: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => calibrate(model, schedule, x, { tau: 1 } as never)).code).toBe('UNKNOWN_OPTION');
    x.dispose();
  });

  it('needs at least 2 images: the std of one norm is 0 (#24)', () => {
    const x = images(1, 8);
    const e = expectRobustError(() => calibrate(model, schedule, x, { steps: 2 }));
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toMatch(/'images'.*at least 2/);
    x.dispose();
  });
});
