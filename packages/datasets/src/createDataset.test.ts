import { describe, expect, it } from 'vitest';
import { caughtSync } from '../test/fixtures';
import { createDataset } from './createDataset';

const parts = () => ({ images: new Uint8Array(8), labels: new Uint8Array([0, 1]), shape: [2, 2, 2, 1], classNames: ['a', 'b'] });

describe('createDataset', () => {
  it('assembles a frozen dataset without copying the arrays', () => {
    const p = parts();
    const ds = createDataset(p);
    expect(ds.images).toBe(p.images);
    expect(ds.shape).toEqual([2, 2, 2, 1]);
    expect(ds.source).toBe('memory');
    expect(Object.isFrozen(ds) && Object.isFrozen(ds.shape) && Object.isFrozen(ds.classNames)).toBe(true);
  });

  it.each([
    ['wrong image length', { images: new Uint8Array(7) }, 'SHAPE_MISMATCH', /has 7 image bytes, but shape \[2,2,2,1\] needs N\*H\*W\*C = 8/],
    ['wrong label count', { labels: new Uint8Array(3) }, 'SHAPE_MISMATCH', /has 3 labels for 2 images/],
    ['a label ≥ K', { labels: new Uint8Array([0, 2]) }, 'OUT_OF_RANGE', /has label 2 at index 1, outside \[0, 2\)/],
    ['a rank-3 shape', { shape: [2, 4, 1] }, 'INVALID_ARGUMENT', /'shape' \[N,H,W,C\] of 4 positive integers, got \[2,4,1\]/],
    ['float images', { images: new Float32Array(8) }, 'INVALID_ARGUMENT', /'images' as a Uint8Array of 0\.\.255 pixels, got a Float32Array/],
    ['no class names', { classNames: [] }, 'INVALID_ARGUMENT', /'classNames' as a non-empty array/],
    ['repeated class names', { classNames: ['a', 'a'] }, 'INVALID_ARGUMENT', /repeated class names/],
  ])('rejects %s', (_l, patch, code, pattern) => {
    const err = caughtSync(() => createDataset({ ...parts(), ...patch } as never));
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/^Argument 'parts' passed to 'createDataset'/);
    expect(err.message).toMatch(pattern);
  });
});
