import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { noiseIndices, stepMatrix, stepPairs } from './sequences';

describe('per-sample step sequences (PAPERS.md §2.5)', () => {
  it("t* = 100, K = 20 gives Lee & Kim's [4, 9, …, 99]", () => {
    const cols = stepMatrix([100], 20);
    expect(cols.map((c) => c[0])).toEqual(Array.from({ length: 20 }, (_, j) => 5 * j + 4));
  });

  it('t = 60 with K = 105 gives 60 distinct indices 0 … 59; t = 0 one step at index 0', () => {
    const cols = stepMatrix([60, 0, 104], 105);
    const s0 = new Set(cols.map((c) => c[0]!));
    expect(s0.size).toBe(60);
    expect(Math.min(...s0)).toBe(0);
    expect(Math.max(...s0)).toBe(59);
    expect(cols.every((c) => c[1] === 0)).toBe(true);
    expect(cols[104]![2]).toBe(103);
    const pairs = stepPairs(cols);
    expect(pairs).toHaveLength(105);
    expect(Array.from(pairs[104]!.to)).toEqual([-1, -1, -1]);
    expect(pairs.filter((p) => p.from[1] !== p.to[1]).length).toBe(1);
    expect(Array.from(noiseIndices([100, 0, 1]))).toEqual([99, 0, 0]);
  });

  it('sequences are nondecreasing and end at t − 1', () => {
    const t = [1, 7, 33, 100, 250];
    const cols = stepMatrix(t, 13);
    t.forEach((ti, i) => {
      for (let j = 1; j < 13; j++) expect(cols[j]![i]!).toBeGreaterThanOrEqual(cols[j - 1]![i]!);
      expect(cols[12]![i]).toBe(ti - 1);
    });
  });

  it('bad input', () => {
    expect(expectRobustError(() => stepMatrix([10], 0)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => stepMatrix([-1], 5)).code).toBe('OUT_OF_RANGE');
  });
});
