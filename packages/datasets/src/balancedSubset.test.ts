import { describe, expect, it } from 'vitest';
import { caughtSync, tinyDataset } from '../test/fixtures';
import { balancedSubset } from './balancedSubset';
import { classCounts } from './classCounts';

describe('balancedSubset', () => {
  it('takes perClass images of each class, in dataset order, reproducibly', () => {
    const ds = tinyDataset(200, 4, (i) => (i * 7) % 4);
    const sub = balancedSubset(ds, { perClass: 10, seed: 1 });
    expect(sub.shape).toEqual([40, 2, 2, 1]);
    expect(classCounts(sub)).toEqual([10, 10, 10, 10]);
    const ids = Array.from({ length: 40 }, (_, i) => sub.images[i * 4] as number);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(balancedSubset(ds, { perClass: 10, seed: 1 }).images).toEqual(sub.images);
    expect(balancedSubset(ds, { perClass: 10, seed: 2 }).images).not.toEqual(sub.images);
  });

  it('rejects a class with too few images, naming it', () => {
    const ds = tinyDataset(10, 3, (i) => (i < 8 ? i % 2 : 2));
    const err = caughtSync(() => balancedSubset(ds, { perClass: 3 }));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toMatch(/Option 'perClass' passed to 'balancedSubset' is 3, but class 2 \('c2'\) has only 2 image\(s\).*Use perClass ≤ 2/);
  });

  it('requires perClass', () => {
    expect(caughtSync(() => balancedSubset(tinyDataset(3), {} as never)).message).toMatch(/Argument 'perClass' passed to 'balancedSubset' must be a finite number, got undefined/);
  });
});
