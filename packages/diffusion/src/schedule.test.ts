import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { alphaBar, cosineSchedule, linearSchedule } from './schedule';
import { vpSde } from './vpSde';

describe('schedules', () => {
  it('linear: betas 1e-4 … 2e-2 over T = 1000, ᾱ products', () => {
    const s = linearSchedule();
    expect(s.T).toBe(1000);
    expect(s.betas[0]).toBeCloseTo(1e-4, 12);
    expect(s.betas[999]).toBeCloseTo(2e-2, 12);
    let p = 1;
    for (let i = 0; i < 100; i++) p *= 1 - s.betas[i]!;
    expect(s.alphasCumprod[99]).toBeCloseTo(p, 12);
    expect(s.alphasCumprod[99]).toBeCloseTo(0.8970, 3);
    for (let i = 1; i < s.T; i++) expect(s.alphasCumprod[i]!).toBeLessThan(s.alphasCumprod[i - 1]!);
    expect(alphaBar(s, -1)).toBe(1);
    expect(alphaBar(s, 0)).toBeCloseTo(1 - 1e-4, 12);
  });

  it('cosine: ᾱ follows cos² and betas are clipped', () => {
    const s = cosineSchedule({ T: 1000 });
    const f = (t: number) => Math.cos(((t / 1000 + 0.008) / 1.008) * (Math.PI / 2)) ** 2;
    expect(s.alphasCumprod[499]).toBeCloseTo(f(500) / f(0), 6);
    expect(Math.max(...s.betas)).toBeLessThanOrEqual(0.999);
  });

  it('the VP-SDE matches the discrete linear schedule: m((i+1)/1000)² ≈ ᾱ_i', () => {
    const sde = vpSde();
    const s = linearSchedule();
    for (const i of [0, 9, 99, 299, 999]) expect(Math.abs(sde.m((i + 1) / 1000) ** 2 - s.alphasCumprod[i]!)).toBeLessThan(2e-3);
    expect(sde.sigma(0.1) ** 2 + sde.m(0.1) ** 2).toBeCloseTo(1, 12);
  });

  it('bad input: clear RobustErrors', () => {
    expect(expectRobustError(() => linearSchedule({ T: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => linearSchedule({ betaStart: 0.1, betaEnd: 0.01 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => linearSchedule({ steps: 5 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(expectRobustError(() => alphaBar(linearSchedule(), 1000)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => vpSde({ betaMin: 0 })).code).toBe('OUT_OF_RANGE');
  });
});
