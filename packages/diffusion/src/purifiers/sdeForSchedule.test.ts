import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon } from '../../test/helpers';
import { cosineSchedule, linearSchedule, type NoiseSchedule } from '../schedule';
import { scheduleFromBetas } from '../scheduleFromBetas';
import { vpSde } from '../vpSde';
import { diffPure } from './factories';
import { sdeForSchedule } from './sdeForSchedule';

describe('sdeForSchedule (the default SDE of diffPure\'s sde solver)', () => {
  it("derives the 'sde' solver's VP-SDE from linear betas: βmin = T·β_0, βmax = T·β_T−1", () => {
    const sdeOf = (s: NoiseSchedule) => {
      const sde = diffPure(gaussianEpsilon(s, 0, 1), s, { solver: 'sde', t: 10 }).settings.sde;
      return [sde?.betaMin, sde?.betaMax];
    };
    expect(sdeOf(linearSchedule())).toEqual([0.1, 20]);
    expect(sdeOf(scheduleFromBetas(linearSchedule().betas))).toEqual([0.1, 20]);
    expect(sdeOf(linearSchedule({ T: 500, betaStart: 2e-4, betaEnd: 0.04 }))).toEqual([0.1, 20]);
    const own = Array.from({ length: 100 }, (_, i) => 1e-3 + 1e-4 * i);
    expect(sdeOf(scheduleFromBetas(own))).toEqual([0.1, 1.09]);
    const cosine = cosineSchedule({ T: 100 });
    expect(expectRobustError(() => sdeOf(cosine)).message).toMatch(/'cosine' schedule's betas/);
    // an explicit SDE is taken as given
    const given = diffPure(gaussianEpsilon(cosine, 0, 1), cosine, { solver: 'sde', sde: vpSde() });
    expect(given.settings.sde?.betaMax).toBe(20);
  });

  it('is vpSde() itself for linearSchedule(): the same coefficients', () => {
    const [derived, plain] = [sdeForSchedule(linearSchedule(), 'test'), vpSde()];
    for (const s of [0.001, 0.1, 0.5, 1]) {
      expect(derived.m(s)).toBe(plain.m(s));
      expect(derived.sigma(s)).toBe(plain.sigma(s));
    }
  });
});
