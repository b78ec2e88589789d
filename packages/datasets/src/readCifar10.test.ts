import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { caughtSync, cifarBytes } from '../test/fixtures';
import { CIFAR10_CLASSES } from './classNames';
import { readCifar10 } from './readCifar10';

describe('readCifar10', () => {
  it('reads records into [N,32,32,3] with the planes interleaved (NHWC)', () => {
    const ds = readCifar10(cifarBytes([3, 9, 0]));
    expect(ds.shape).toEqual([3, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([3, 9, 0]);
    expect(ds.classNames).toEqual(CIFAR10_CLASSES);
    // image 1, pixel (row 2, col 5) = plane index 69: R, G, B from the three planes
    const p = 2 * 32 + 5;
    const at = 1 * 3072 + 3 * p;
    expect([ds.images[at], ds.images[at + 1], ds.images[at + 2]]).toEqual([(50 + p) % 256, (50 + 80 + p) % 256, (50 + 160 + p) % 256]);
  });

  it('concatenates several batches in order', () => {
    const ds = readCifar10([cifarBytes([1, 2]), cifarBytes([7]).buffer], { names: ['data_batch_1.bin', 'data_batch_2.bin'] });
    expect(ds.shape[0]).toBe(3);
    expect(Array.from(ds.labels)).toEqual([1, 2, 7]);
  });

  it.each([
    ['a truncated file', cifarBytes([1, 2]).subarray(0, 5000), /CIFAR-10 file 'data_batch_1.bin' passed to 'readCifar10' must hold a positive whole number of 3073-byte records.*got 5000 bytes\. It is truncated \(1 whole records and 1927 extra bytes\)/],
    ['an empty file', new Uint8Array(0), /got 0 bytes\. The file is empty/],
    ['a gzipped file', new Uint8Array(gzipSync(cifarBytes([1]))), /It is gzip-compressed/],
    ['a label ≥ 10', cifarBytes([1, 2, 10]), /has label 10 in record 2 \(byte 6146\), outside \[0, 10\).*CIFAR-100/],
  ])('rejects %s with a CORRUPT_FILE error naming the file', (_l, bytes, pattern) => {
    const err = caughtSync(() => readCifar10([bytes], { names: ['data_batch_1.bin'] }));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(pattern);
  });

  it('rejects bad arguments', () => {
    expect(caughtSync(() => readCifar10([])).message).toMatch(/Argument 'batches' passed to 'readCifar10' must be the bytes of one batch file or a non-empty array/);
    expect(caughtSync(() => readCifar10([cifarBytes([1])], { names: ['a', 'b'] })).message).toMatch(/Option 'names' passed to 'readCifar10' must be 1 string/);
    expect(caughtSync(() => readCifar10(['x' as unknown as Uint8Array])).message).toMatch(/Argument 'batches\[0\]' passed to 'readCifar10' must be an ArrayBuffer/);
  });
});
