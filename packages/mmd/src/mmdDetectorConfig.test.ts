import { describe, expect, it } from 'vitest';
import { caught } from '../test/helpers';
import { MMD_DETECTOR_DEFAULTS, resolveMmdDetectorConfig } from './mmdDetectorConfig';

describe('MmdDetector config', () => {
  it("holds DAD's defaults, frozen", () => {
    expect(MMD_DETECTOR_DEFAULTS).toEqual({ estimator: 'biased', referenceSize: 100, steps: 200, learningRate: 2e-4, lambda: 1e-8, trainFeaturizer: false, sigma: undefined, eps: 1e-10 });
    expect(Object.isFrozen(MMD_DETECTOR_DEFAULTS)).toBe(true);
    const cfg = resolveMmdDetectorConfig({ sigma: 2048 }, 'MmdDetector');
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(cfg.sigma).toBe(2048);
  });

  it('rejects bad values with the option name', () => {
    expect(caught(() => resolveMmdDetectorConfig({ referenceSize: 1 }, 'MmdDetector')).message).toMatch(/'referenceSize' passed to 'MmdDetector' must be ≥ 2, got 1/);
    expect(caught(() => resolveMmdDetectorConfig({ sigma: -1 }, 'MmdDetector')).code).toBe('OUT_OF_RANGE');
    expect(caught(() => resolveMmdDetectorConfig({ steps: '5' }, 'MmdDetector')).message).toMatch(/must be a number, got "5"/);
  });
});
