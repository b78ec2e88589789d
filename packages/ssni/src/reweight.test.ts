import { noiseIndices, stepMatrix } from '@robustjs/diffusion';
import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { roundHalfEven, ssniTimesteps } from './reweight';

const stats = { mean: 2, min: 1, max: 3 };

describe('roundHalfEven', () => {
  it('rounds ties to the even integer like torch.round', () => {
    expect([52.5, 53.5, 0.5, 1.5, 2.4999, 2.5001, -2.5, -3.5].map(roundHalfEven)).toEqual([52, 54, 0, 2, 2, 3, -2, -4]);
  });
});

describe('ssniTimesteps: SSNI-N, t = round(sigmoid((e − μ)/τ)·(t* − 1 + b))', () => {
  it('matches the hand-computed table (μ = 2, τ = 0.5, t* = 100, b = 5 → T* + b = 104)', () => {
    // e:        0      1.5    2     2.5    4       100
    // sigmoid:  .01799 .26894 .5    .73106 .98201  1
    // ×104:     1.871  27.97  52    76.03  102.13  104
    const t = ssniTimesteps([0, 1.5, 2, 2.5, 4, 100], stats, 'ssni-n', { tStar: 100, tau: 0.5, bias: 5 });
    expect(Array.from(t)).toEqual([2, 28, 52, 76, 102, 104]);
  });

  it('rounds exact halves to even: T* + b = 105 gives 52.5 → 52, T* + b = 107 gives 53.5 → 54', () => {
    expect(Array.from(ssniTimesteps([2], stats, 'ssni-n', { tStar: 101, tau: 1, bias: 5 }))).toEqual([52]);
    expect(Array.from(ssniTimesteps([2], stats, 'ssni-n', { tStar: 103, tau: 1, bias: 5 }))).toEqual([54]);
  });

  it('stays in [0, T* + b] with no clipping, and per stage follows each t_k* (GNS form)', () => {
    // e = μ: sigmoid = 1/2 → (t_k* + 4)/2: 30 → 17, 50 → 27, 125 → 64.5 → 64 (half to even)
    const e = [0, 2, 1e6];
    const table = [30, 50, 125].map((tStar) => Array.from(ssniTimesteps(e, stats, 'ssni-n', { tStar, tau: 1e-3, bias: 5 })));
    expect(table).toEqual([[0, 17, 34], [0, 27, 54], [0, 64, 129]]);
  });

  it('gives noise index max(t − 1, 0) and a step matrix clipped at 0 for t = 0', () => {
    const t = ssniTimesteps([0, 4], stats, 'ssni-n', { tStar: 100, tau: 0.1, bias: 5 }); // [0, 104]
    expect(Array.from(t)).toEqual([0, 104]);
    expect(Array.from(noiseIndices(t))).toEqual([0, 103]);
    const cols = stepMatrix(t, 4);
    expect(cols.map((c) => c[0])).toEqual([0, 0, 0, 0]);
    expect(cols.map((c) => c[1])).toEqual([25, 51, 77, 103]);
  });
});

describe('ssniTimesteps: SSNI-L, t = round((e − ξmin)·T*/(ξmax − ξmin) + b), ξ over reference ∪ batch', () => {
  it('matches the hand-computed table (ξ = [1, 3], t* = 100, b = 5)', () => {
    // (e − 1)·99/2 + 5: e = 1 → 5, 2 → 54.5 → 54 (half to even), 3 → 104
    expect(Array.from(ssniTimesteps([1, 2, 3], stats, 'ssni-l', { tStar: 100, tau: 1, bias: 5 }))).toEqual([5, 54, 104]);
  });

  it('widens ξ with the batch: a norm above ξmax or below ξmin moves every sample', () => {
    // ξmax = 5: (e − 1)·99/4 + 5 → 1 → 5, 3 → 54.5 → 54, 5 → 104
    expect(Array.from(ssniTimesteps([1, 3, 5], stats, 'ssni-l', { tStar: 100, tau: 1, bias: 5 }))).toEqual([5, 54, 104]);
    // ξmin = 0: e·99/3 + 5 → 0 → 5, 1 → 38, 3 → 104
    expect(Array.from(ssniTimesteps([0, 1, 3], stats, 'ssni-l', { tStar: 100, tau: 1, bias: 5 }))).toEqual([5, 38, 104]);
  });

  it('gives b to every sample when all norms are equal', () => {
    expect(Array.from(ssniTimesteps([2, 2], { mean: 2, min: 2, max: 2 }, 'ssni-l', { tStar: 100, tau: 1, bias: 3 }))).toEqual([3, 3]);
  });
});

describe('ssniTimesteps: bad input', () => {
  it('rejects τ ≤ 0, a bias that is not an integer ≥ 0, t* < 1, t* − 1 + b beyond T, bad norms and rules', () => {
    const p = { tStar: 100, tau: 1, bias: 5 };
    const e1 = expectRobustError(() => ssniTimesteps([1], stats, 'ssni-n', { ...p, tau: 0 }));
    expect(e1.code).toBe('OUT_OF_RANGE');
    expect(e1.message).toMatch(/'tau'.*'ssniTimesteps'.*> 0.*got 0.*calibration std/);
    expect(expectRobustError(() => ssniTimesteps([1], stats, 'ssni-n', { ...p, tau: -1 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ssniTimesteps([1], stats, 'ssni-n', { ...p, bias: 1.5 })).message).toMatch(/'bias'.*integer ≥ 0.*got 1.5/);
    expect(expectRobustError(() => ssniTimesteps([1], stats, 'ssni-l', { ...p, bias: -1 })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => ssniTimesteps([1], stats, 'ssni-n', { ...p, tStar: 0 })).code).toBe('OUT_OF_RANGE');
    const beyond = expectRobustError(() => ssniTimesteps([1], stats, 'ssni-n', { ...p, tStar: 1000, maxT: 1000 }));
    expect(beyond.code).toBe('OUT_OF_RANGE');
    expect(beyond.message).toMatch(/T = 1000.*t\* = 1000, b = 5 \(1004\).*Lower t\* or b/);
    expect(expectRobustError(() => ssniTimesteps([-1], stats, 'ssni-n', p)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ssniTimesteps([NaN], stats, 'ssni-n', p)).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => ssniTimesteps([1], stats, 'ssni-x' as never, p)).message).toMatch(/'ssni-n' or 'ssni-l'/);
  });
});
