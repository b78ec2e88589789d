import { describe, expect, it } from 'vitest';
import { caughtSync, tinyDataset } from '../test/fixtures';
import { classCounts } from './classCounts';
import { trainValidationSplit } from './trainValidationSplit';

const ids = (images: Uint8Array, n: number) => Array.from({ length: n }, (_, i) => images[i * 4] as number);

describe('trainValidationSplit', () => {
  it('splits into disjoint parts that cover every image, stratified by class', () => {
    const ds = tinyDataset(250, 5);
    const { train, validation } = trainValidationSplit(ds, { validation: 0.2, seed: 3 });
    expect(train.shape[0]).toBe(200);
    expect(validation.shape[0]).toBe(50);
    expect(classCounts(validation)).toEqual([10, 10, 10, 10, 10]);
    const all = [...ids(train.images, 200), ...ids(validation.images, 50)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 250 }, (_, i) => i % 256).sort((a, b) => a - b));
  });

  it('accepts a count and distributes remainders to the largest fractions', () => {
    const ds = tinyDataset(10, 2, (i) => (i < 7 ? 0 : 1));
    const { validation } = trainValidationSplit(ds, { validation: 3 });
    expect(classCounts(validation)).toEqual([2, 1]); // exact 2.1 and 0.9
  });

  it('is reproducible and can skip stratification', () => {
    const ds = tinyDataset(100, 3);
    const a = trainValidationSplit(ds, { seed: 5, stratify: false });
    expect(trainValidationSplit(ds, { seed: 5, stratify: false }).validation.images).toEqual(a.validation.images);
    expect(a.validation.shape[0]).toBe(10);
  });

  it('rejects a split that leaves a part empty', () => {
    const err = caughtSync(() => trainValidationSplit(tinyDataset(10), { validation: 10 }));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toMatch(/Option 'validation' passed to 'trainValidationSplit' is 10, which gives 10 validation image\(s\) out of 10/);
    expect(caughtSync(() => trainValidationSplit(tinyDataset(10), { validation: 0.01 })).message).toMatch(/gives 0 validation/);
  });
});
