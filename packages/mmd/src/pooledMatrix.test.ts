import { describe, expect, it } from 'vitest';
import { caught } from '../test/helpers';
import { assertEnoughDraws, summariseNull } from './pooledMatrix';

describe('summariseNull and assertEnoughDraws', () => {
  it('p = (1 + #{null ≥ s}) / (1 + B); threshold = ⌈(1−α)(B+1)⌉-th smallest null statistic', () => {
    const nullStats = Float64Array.from({ length: 19 }, (_, i) => i + 1); // 1..19
    expect(summariseNull(19.5, nullStats, 0.05)).toEqual({ statistic: 19.5, pValue: 1 / 20, threshold: 19 });
    expect(summariseNull(19, nullStats, 0.05).pValue).toBe(2 / 20);
    expect(summariseNull(0, nullStats, 0.5)).toEqual({ statistic: 0, pValue: 1, threshold: 10 });
  });

  it('requires at least ⌈1/α⌉ − 1 draws', () => {
    assertEnoughDraws(19, 0.05, 'permutations', 'f');
    expect(caught(() => assertEnoughDraws(18, 0.05, 'permutations', 'f')).message).toMatch(/must be at least 19 for alpha = 0.05/);
  });
});
