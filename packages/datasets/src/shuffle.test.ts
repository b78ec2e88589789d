import { describe, expect, it } from 'vitest';
import { caughtSync, tinyDataset } from '../test/fixtures';
import { shuffle } from './shuffle';

describe('shuffle', () => {
  it('moves images and labels together, reproducibly under a seed', () => {
    const ds = tinyDataset(50, 5);
    const a = shuffle(ds, { seed: 3 });
    expect(shuffle(ds, { seed: 3 }).images).toEqual(a.images);
    expect(shuffle(ds, { seed: 4 }).images).not.toEqual(a.images);
    for (let i = 0; i < 50; i++) {
      const original = a.images[i * 4] as number; // image j is filled with j
      expect(a.labels[i]).toBe(original % 5);
    }
    expect(Array.from(a.labels).sort()).toEqual(Array.from(ds.labels).sort());
  });

  it('rejects unknown options', () => {
    expect(caughtSync(() => shuffle(tinyDataset(3), { sed: 1 } as never)).message).toMatch(/Unknown option 'sed' passed to 'shuffle'\. Valid options: seed/);
  });
});
