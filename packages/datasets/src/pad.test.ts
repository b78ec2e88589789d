import { describe, expect, it } from 'vitest';
import { caughtSync, tinyDataset } from '../test/fixtures';
import { createDataset } from './createDataset';
import { pad } from './pad';

describe('pad', () => {
  it('pads 28×28 to 32×32 with 2 pixels on each side', () => {
    const ds = createDataset({ images: new Uint8Array(2 * 28 * 28).fill(200), labels: new Uint8Array([0, 1]), shape: [2, 28, 28, 1], classNames: ['a', 'b'] });
    const out = pad(ds);
    expect(out.shape).toEqual([2, 32, 32, 1]);
    const at = (i: number, y: number, x: number) => out.images[i * 1024 + y * 32 + x];
    expect([at(0, 1, 5), at(0, 2, 1), at(1, 2, 2), at(1, 29, 29), at(1, 30, 29), at(1, 29, 30)]).toEqual([0, 0, 200, 200, 0, 0]);
    let sum = 0;
    for (const v of out.images) sum += v;
    expect(sum).toBe(2 * 28 * 28 * 200);
  });

  it('centres odd padding with the extra row below and column right, keeps channels, fills value', () => {
    const ds = tinyDataset(1, 1, () => 0, 2, 3); // one 2×2×3 image of zeros
    const out = pad(ds, { size: 5, value: 9 });
    expect(out.shape).toEqual([1, 5, 5, 3]);
    const px = (y: number, x: number) => out.images[(y * 5 + x) * 3];
    expect([px(0, 0), px(1, 1), px(2, 2), px(3, 3), px(2, 3)]).toEqual([9, 0, 0, 9, 9]);
  });

  it('returns the dataset itself at its own size and rejects shrinking', () => {
    const ds = tinyDataset(2);
    expect(pad(ds, { size: 2 })).toBe(ds);
    const err = caughtSync(() => pad(ds, { size: 1 }));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toMatch(/Option 'size' passed to 'pad' is 1, smaller than the images' 2×2/);
    expect(caughtSync(() => pad(ds, { value: 256 })).message).toMatch(/Argument 'value' passed to 'pad' must be ≤ 255/);
  });
});
