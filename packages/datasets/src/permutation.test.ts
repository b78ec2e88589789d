import { describe, expect, it } from 'vitest';
import { caughtSync } from '../test/fixtures';
import { permutation } from './permutation';

describe('permutation', () => {
  it('holds each index once and is reproducible under a seed', () => {
    const p = permutation(1000, 7);
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(permutation(1000, 7)).toEqual(p);
    expect(permutation(1000, 8)).not.toEqual(p);
    expect(Array.from(permutation(8, 0))).toEqual(Array.from(permutation(8)));
  });

  it('is a golden value for seed 42 (guards the order against refactors)', () => {
    expect(Array.from(permutation(10, 42))).toMatchInlineSnapshot(`
      [
        5,
        7,
        8,
        9,
        2,
        3,
        1,
        0,
        4,
        6,
      ]
    `);
  });

  it('moves each element roughly uniformly', () => {
    const firstSlot = new Array<number>(4).fill(0);
    for (let s = 0; s < 4000; s++) firstSlot[permutation(4, s)[0] as number]! += 1;
    for (const c of firstSlot) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });

  it('handles n = 0 and 1 and rejects bad arguments', () => {
    expect(permutation(0, 1).length).toBe(0);
    expect(Array.from(permutation(1, 1))).toEqual([0]);
    expect(caughtSync(() => permutation(-1, 0)).message).toMatch(/Argument 'n' passed to 'permutation' must be ≥ 0, got -1/);
    expect(caughtSync(() => permutation(3, 0.5)).message).toMatch(/Argument 'seed' passed to 'permutation' must be a whole number, got 0.5/);
  });
});
