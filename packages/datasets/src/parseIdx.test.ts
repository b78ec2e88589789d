import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { caughtSync, idxBytes } from '../test/fixtures';
import { parseIdx } from './parseIdx';

describe('parseIdx', () => {
  it('returns the header dimensions and a view on the data', () => {
    const bytes = idxBytes([2, 3], [1, 2, 3, 4, 5, 6]);
    const { dims, data } = parseIdx(bytes, 'x.idx');
    expect(dims).toEqual([2, 3]);
    expect(Array.from(data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(data.buffer).toBe(bytes.buffer); // no copy
  });

  it('accepts an ArrayBuffer', () => {
    expect(parseIdx(idxBytes([1], [7]).buffer).dims).toEqual([1]);
  });

  it.each([
    ['a wrong magic number', idxBytes([1], [0]).map((b, i) => (i === 0 ? 0x42 : b)), /IDX file 'f' passed to 'parseIdx' has a wrong magic number: expected 00 00 08 <ndims>.*got 42 00 08 01/],
    ['gzip bytes', new Uint8Array(gzipSync(idxBytes([1], [0]))), /is gzip-compressed \(it starts with 1f 8b\).*Decompress it first/],
    ['float data', idxBytes([1], [0, 0, 0, 0], 0x0d), /holds float32 data \(type 0x0d\); only unsigned-byte data \(type 0x08\)/],
    ['an unknown type', idxBytes([1], [0], 0x42), /unknown IDX data type 0x42/],
    ['fewer than 4 bytes', new Uint8Array([0, 0]), /is too short: an IDX header needs at least 4 bytes, got 2/],
    ['a truncated header', idxBytes([5, 5, 5], []).subarray(0, 10), /is truncated: its header declares 3 dimensions \(16 header bytes\), but the file holds only 10 bytes/],
    ['a truncated body', idxBytes([3, 2], [1, 2, 3, 4, 5]), /dimensions \[3,2\] need 6 data bytes, but only 5 follow the 12-byte header/],
    ['trailing bytes', idxBytes([2], [1, 2, 3]), /has 1 unexpected bytes after the 2 data bytes/],
    ['zero dimensions', new Uint8Array([0, 0, 8, 0]), /declares 0 dimensions/],
  ])('rejects %s with a CORRUPT_FILE error naming the file', (_label, bytes, pattern) => {
    const err = caughtSync(() => parseIdx(bytes, 'f'));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(pattern);
  });

  it('rejects a header that needs more bytes than the file holds without allocating them', () => {
    // 4e9 × 4e9 × 4e9 bytes: any attempt to allocate would throw a RangeError or exhaust memory.
    const bytes = idxBytes([0xffffffff, 0xffffffff, 0xffffffff], [1, 2, 3]);
    const heapBefore = process.memoryUsage().heapUsed;
    const err = caughtSync(() => parseIdx(bytes, 'huge.idx'));
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(16 * 2 ** 20);
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(/IDX file 'huge.idx' passed to 'parseIdx' is truncated or its header is corrupt: dimensions \[4294967295,4294967295,4294967295\] need 7\.9\d*e\+28 data bytes, but only 3 follow/);
  });

  it.each([
    ['NaN (4e9^40 overflows to Infinity, times a zero dimension)', [...Array<number>(40).fill(0xffffffff), 0]],
    ['beyond 2^53 next to a zero dimension', [0, 0xffffffff, 0xffffffff, 0xffffffff]],
  ])('rejects dimensions whose product is %s, with no data, as a corrupt header', (_label, dims) => {
    const err = caughtSync(() => parseIdx(idxBytes(dims, []), 'nan.idx'));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(/IDX file 'nan.idx' passed to 'parseIdx' has a corrupt header: its non-zero dimensions .* multiply to more than 2\^53/);
  });

  it('still accepts an empty set with ordinary dimensions', () => {
    expect(parseIdx(idxBytes([0, 28, 28], []), 'empty.idx').dims).toEqual([0, 28, 28]);
  });

  it('rejects what is not bytes', () => {
    const err = caughtSync(() => parseIdx('hello' as unknown as Uint8Array));
    expect(err.code).toBe('INVALID_ARGUMENT');
    expect(err.message).toMatch(/Argument 'input' passed to 'parseIdx' must be an ArrayBuffer or a Uint8Array/);
  });
});
