import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { caught, idxBytes, idxPair, pixel } from '../../test/fixtures';
import { readIdxFiles } from './readIdxFiles';

const dir = mkdtempSync(join(tmpdir(), 'robustjs-idx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

describe('readIdxFiles', () => {
  const { images, labels } = idxPair(20, 6, 5);

  it('reads gzipped and raw files alike (detected by content)', async () => {
    const gz = await readIdxFiles(write('a-images.gz', gzipSync(images)), write('a-labels.gz', gzipSync(labels)));
    const raw = await readIdxFiles(write('b-images', images), write('b-labels', labels), { classNames: 'abcdefghij'.split('') });
    expect(gz.shape).toEqual([20, 6, 5, 1]);
    expect(gz.images).toEqual(raw.images);
    expect(gz.images[30 * 7 + 3]).toBe(pixel(7, 3));
    expect(gz.source).toBe(`file:${join(dir, 'a-images.gz')}`);
    expect(raw.classNames[3]).toBe('d');
  });

  it.each([
    ['a wrong magic number', () => idxBytes([20, 6, 5], []).map((b, i) => (i === 2 ? 9 : b)), 'CORRUPT_FILE', /holds int8 data/],
    ['a text file', () => new TextEncoder().encode('hello, world'), 'CORRUPT_FILE', /has a wrong magic number: expected 00 00 08 <ndims>.*got 68 65 6c 6c/],
    ['a truncated file', () => images.subarray(0, images.length - 7), 'CORRUPT_FILE', /is truncated or its header is corrupt: dimensions \[20,6,5\] need 600 data bytes, but only 593 follow/],
    ['a truncated gzip file', () => gzipSync(images).subarray(0, 100), 'CORRUPT_FILE', /is gzip but cannot be decompressed.*truncated or corrupt/],
    ['a header larger than the file', () => idxBytes([4_000_000_000, 28, 28], [1, 2, 3]), 'CORRUPT_FILE', /need 3136000000000 data bytes, but only 3 follow/],
    ['image and label counts that disagree', () => idxPair(21, 6, 5).images, 'SHAPE_MISMATCH', /disagree: 21 images but 20 labels/],
  ])('rejects %s with a RobustError naming the file', async (label, make, code, pattern) => {
    const path = write(`${label.replace(/ /g, '-')}-images`, make());
    const err = await caught(() => readIdxFiles(path, write('ok-labels', labels)));
    expect(err.code).toBe(code);
    expect(err.message).toContain(`'${path}' read by 'readIdxFiles'`);
    expect(err.message).toMatch(pattern);
  });

  it('rejects a missing file with NOT_FOUND naming it', async () => {
    const err = await caught(() => readIdxFiles(join(dir, 'nope'), join(dir, 'nope2')));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/File '.*nope' needed by 'readIdxFiles' does not exist/);
  });
});
