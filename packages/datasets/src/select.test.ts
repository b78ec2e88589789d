import { describe, expect, it } from 'vitest';
import { caughtSync, tinyDataset } from '../test/fixtures';
import { select } from './select';

describe('select', () => {
  it('copies the given rows in order, repeats allowed', () => {
    const ds = tinyDataset(6);
    const sub = select(ds, [5, 0, 5]);
    expect(sub.shape).toEqual([3, 2, 2, 1]);
    expect(Array.from(sub.images)).toEqual([5, 5, 5, 5, 0, 0, 0, 0, 5, 5, 5, 5]);
    expect(Array.from(sub.labels)).toEqual([2, 0, 2]);
    expect(sub.classNames).toBe(ds.classNames);
    expect(sub.images.buffer).not.toBe(ds.images.buffer);
  });

  it('keeps Int32Array labels', () => {
    const ds = { ...tinyDataset(3), labels: new Int32Array([0, 1, 2]) };
    expect(select(ds, Int32Array.from([2])).labels).toBeInstanceOf(Int32Array);
  });

  it('rejects an index outside [0, N)', () => {
    const err = caughtSync(() => select(tinyDataset(4), [0, 4]));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toMatch(/Argument 'indices' passed to 'select' must hold integer row indices in \[0, 4\), got 4 at position 1/);
  });
});
