import { describe, expect, it } from 'vitest';
import { caughtSync, idxBytes, idxPair, pixel } from '../test/fixtures';
import { FASHION_MNIST_CLASSES } from './classNames';
import { readIdx } from './readIdx';

describe('readIdx', () => {
  it('reads images [N,H,W] as [N,H,W,1] with labels and class names', () => {
    const { images, labels } = idxPair(12, 3, 5);
    const ds = readIdx(images, labels, { classNames: FASHION_MNIST_CLASSES, source: 'unit' });
    expect(ds.shape).toEqual([12, 3, 5, 1]);
    expect(ds.images.length).toBe(12 * 15);
    expect(ds.images[15 * 4 + 2]).toBe(pixel(4, 2));
    expect(Array.from(ds.labels)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(ds.classNames[9]).toBe('Ankle boot');
    expect(ds.source).toBe('unit');
    expect(Object.isFrozen(ds)).toBe(true);
  });

  it('reads 4-dimensional images as [N,H,W,C]', () => {
    const ds = readIdx(idxBytes([2, 1, 1, 3], [1, 2, 3, 4, 5, 6]), idxBytes([2], [1, 0]));
    expect(ds.shape).toEqual([2, 1, 1, 3]);
  });

  it("numbers the classes '0'..'K-1' by default", () => {
    const ds = readIdx(idxBytes([3, 1, 1], [0, 0, 0]), idxBytes([3], [0, 4, 2]));
    expect(ds.classNames).toEqual(['0', '1', '2', '3', '4']);
    expect(ds.source).toBe('memory');
  });

  it('rejects image and label counts that disagree, naming both files', () => {
    const err = caughtSync(() => readIdx(idxPair(5).images, idxPair(4).labels, { names: { images: 'a-images', labels: 'b-labels' } }));
    expect(err.code).toBe('SHAPE_MISMATCH');
    expect(err.message).toMatch(/IDX files 'a-images' passed to 'readIdx' and 'b-labels' passed to 'readIdx' disagree: 5 images but 4 labels\. Pair the images file/);
  });

  it('rejects swapped files, a label outside the classes and zero images', () => {
    const { images, labels } = idxPair(3);
    expect(caughtSync(() => readIdx(labels, images)).message).toMatch(/IDX file 'images' passed to 'readIdx' must hold images \[N,H,W\].*got 1 dimensions.*swap/);
    const bad = caughtSync(() => readIdx(images, idxBytes([3], [0, 1, 12]), { classNames: FASHION_MNIST_CLASSES }));
    expect(bad.code).toBe('CORRUPT_FILE');
    expect(bad.message).toMatch(/IDX file 'labels' passed to 'readIdx' has label 12 at index 2, outside \[0, 10\)/);
    expect(caughtSync(() => readIdx(idxBytes([0, 4, 4], []), idxBytes([0], []))).code).toBe('EMPTY_INPUT');
  });

  it('rejects unknown options and bad class names', () => {
    const { images, labels } = idxPair(2);
    expect(caughtSync(() => readIdx(images, labels, { clases: ['a'] } as never)).code).toBe('UNKNOWN_OPTION');
    expect(caughtSync(() => readIdx(images, labels, { classNames: ['a', 'a'] })).message).toMatch(/Option 'classNames' passed to 'readIdx' has repeated names/);
  });
});
