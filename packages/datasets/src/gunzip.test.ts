import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { caught } from '../test/fixtures';
import { gunzip } from './gunzip';

describe('gunzip', () => {
  const raw = Uint8Array.from({ length: 5000 }, (_, i) => (i * 13) % 256);

  it('decompresses gzip bytes with DecompressionStream', async () => {
    expect(await gunzip(gzipSync(raw))).toEqual(raw);
  });

  it('returns bytes that are not gzip unchanged', async () => {
    expect(await gunzip(raw.buffer)).toEqual(raw);
  });

  it('rejects a truncated gzip stream with a CORRUPT_FILE error naming the input', async () => {
    const gz = gzipSync(raw);
    const err = await caught(() => gunzip(gz.subarray(0, gz.length - 20), 'x.gz'));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(/gzip file 'x.gz' passed to 'gunzip' is corrupt or truncated/);
  });
});
