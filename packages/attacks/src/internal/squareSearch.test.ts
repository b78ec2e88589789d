import { seedStream } from '@robustjs/core';
import { describe, expect, it } from 'vitest';
import { pSelection, squareCorner, squareSide } from './squareSearch';

// Golden values derived by hand from fra31/auto-attack's square.py, `SquareAttack.p_selection(it)`: with
// `rescale_schedule`, it ← int(it / n_queries · 10000); then p = p_init halved once for each of 10, 50, 200,
// 500, 1000, 2000, 4000, 6000, 8000 that `it` exceeds. Each table lists the first 0-based iteration at which p
// becomes p_init / divisor; p stays there until the next row.
const FIRST_ITERATION: Record<string, [number, number][]> = {
  // Rescaled, 1000 queries: int(it·10) exceeds 10 at it = 2, 50 at it = 6, 200 at 21, …
  '1000 rescaled': [[0, 1], [2, 2], [6, 4], [21, 8], [51, 16], [101, 32], [201, 64], [401, 128], [601, 256], [801, 512]],
  // Not rescaled (AutoAttack's Square), 1000 queries: the raw iteration exceeds 10, 50, 200, 500.
  '1000 raw': [[0, 1], [11, 2], [51, 4], [201, 8], [501, 16]],
  // Rescaled, 5000 queries: int(it·2) exceeds 10 at it = 6, 50 at 26, 200 at 101, …
  '5000 rescaled': [[0, 1], [6, 2], [26, 4], [101, 8], [251, 16], [501, 32], [1001, 64], [2001, 128], [3001, 256], [4001, 512]],
  // Not rescaled, 5000 queries (AutoAttack 'standard'): p never gets below p_init / 128.
  '5000 raw': [[0, 1], [11, 2], [51, 4], [201, 8], [501, 16], [1001, 32], [2001, 64], [4001, 128]],
};

describe('pSelection', () => {
  for (const [name, rows] of Object.entries(FIRST_ITERATION)) {
    it(`matches the reference's p_selection at every iteration (${name})`, () => {
      const queries = Number(name.split(' ')[0]);
      const rescale = name.endsWith('rescaled');
      for (let it = 0; it < queries; it++) {
        const divisor = rows.filter(([first]) => first <= it).pop()?.[1] as number;
        expect(pSelection(0.8, it, queries, rescale)).toBe(0.8 / divisor);
      }
    });
  }
});

describe('squareCorner', () => {
  it("'reference' draws 0 … H − s − 1 like square.py's random_int(0, H − s); 'paper' draws 0 … H − s", () => {
    const top = 1 - 2 ** -31; // the largest draw square.ts's uniform() gives
    expect(squareCorner(0, 32, 4, 'reference')).toBe(0);
    expect(squareCorner(top, 32, 4, 'reference')).toBe(27);
    expect(squareCorner(top, 32, 4, 'paper')).toBe(28);
    // A window as large as the image has one position.
    expect(squareCorner(top, 32, 32, 'reference')).toBe(0);
    expect(squareCorner(top, 32, 32, 'paper')).toBe(0);
  });

  it('over many seeded draws hits H − s − 1 but never H − s in the reference, and H − s in the paper variant', () => {
    for (const [h, s] of [[32, 4], [32, 1], [8, 7], [4, 1]] as const) {
      const seen = { reference: new Set<number>(), paper: new Set<number>() };
      for (const seed of [0, 1, 2, 3, 4]) {
        const stream = seedStream(seed);
        for (let k = 0; k < 2000; k++) {
          const u = stream.next() / 2 ** 31;
          seen.reference.add(squareCorner(u, h, s, 'reference'));
          seen.paper.add(squareCorner(u, h, s, 'paper'));
        }
      }
      expect([...seen.reference].sort((a, b) => a - b)).toEqual(Array.from({ length: h - s }, (_, i) => i));
      expect([...seen.paper].sort((a, b) => a - b)).toEqual(Array.from({ length: h - s + 1 }, (_, i) => i));
    }
  });
});

describe('squareSide', () => {
  it("'reference' rounds √(p·H·W) half to even like Python's round, 'paper' half up", () => {
    // p·H·W = 6.25 → √ = 2.5 exactly: Python round(2.5) = 2, Math.round(2.5) = 3.
    expect(squareSide(0.25, [1, 5, 5, 1], 'reference')).toBe(2);
    expect(squareSide(0.25, [1, 5, 5, 1], 'paper')).toBe(3);
    // √12.25 = 3.5: both give 4.
    expect(squareSide(0.49, [1, 5, 5, 3], 'reference')).toBe(4);
    // CIFAR-10 with p = 0.8: √819.2 = 28.6 → 29 in both.
    expect(squareSide(0.8, [1, 32, 32, 3], 'reference')).toBe(29);
    expect(squareSide(0.8, [1, 32, 32, 3], 'paper')).toBe(29);
  });
});
