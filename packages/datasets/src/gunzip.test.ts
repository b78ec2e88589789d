import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { caught } from '../test/fixtures';
import { GUNZIP_MAX_BYTES, gunzip } from './gunzip';

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

  it('stops inflating past maxBytes: 1 MB of zeros (about 1 KB of gzip) with a 64 KB cap is OUT_OF_RANGE', async () => {
    const gz = gzipSync(new Uint8Array(1_000_000));
    expect(gz.length).toBeLessThan(2000);
    const out = await gunzip(gz, 'zeros.gz', 1_000_000); // exactly at the cap
    expect(out.length).toBe(1_000_000);
    expect(out.every((b) => b === 0)).toBe(true);
    const err = await caught(() => gunzip(gz, 'zeros.gz', 65_536));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toMatch(/gzip file 'zeros.gz' passed to 'gunzip' inflates to more than 65536 bytes \(maxBytes\)/);
  });

  it('caps the output at 256 MiB by default and checks maxBytes', async () => {
    expect(GUNZIP_MAX_BYTES).toBe(256 * 2 ** 20);
    const err = await caught(() => gunzip(gzipSync(raw), 'x.gz', 0));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toContain('maxBytes');
  });
});
