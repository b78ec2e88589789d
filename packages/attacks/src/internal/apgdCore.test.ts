import { describe, expect, it } from 'vitest';
import { apgdCheckpoints } from './apgdCore';

describe('apgdCheckpoints', () => {
  it('follows p0 = 0, p1 = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06)', () => {
    // p = 0, .22, .41, .57, .70, .80, .87, .93, .99 → w = ⌈100 p⌉
    expect(apgdCheckpoints(100)).toEqual([0, 22, 41, 57, 70, 80, 87, 93, 99]);
  });

  it('drops duplicate checkpoints for few iterations', () => {
    expect(apgdCheckpoints(5)).toEqual([0, 2, 3, 4, 5]);
  });
});
