import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { caughtSync } from '../../test/fixtures';
import { gunzipIfNeeded } from './files';

describe('gunzipIfNeeded', () => {
  it('decompresses gzip and returns other bytes unchanged', () => {
    const raw = Uint8Array.from({ length: 3000 }, (_, i) => i % 7);
    expect(gunzipIfNeeded(new Uint8Array(gzipSync(raw)), 'a.gz', 'f')).toEqual(raw);
    expect(gunzipIfNeeded(raw, 'a', 'f')).toBe(raw);
  });

  it('stops inflating past maxBytes: 1 MB of zeros (about 1 KB of gzip) with a 64 KB cap is OUT_OF_RANGE', () => {
    const gz = new Uint8Array(gzipSync(new Uint8Array(1_000_000)));
    expect(gz.length).toBeLessThan(2000);
    expect(gunzipIfNeeded(gz, 'zeros.gz', 'loadMnist', 1_000_000).length).toBe(1_000_000);
    const err = caughtSync(() => gunzipIfNeeded(gz, 'zeros.gz', 'loadMnist', 65_536));
    expect(err.code).toBe('OUT_OF_RANGE');
    expect(err.message).toMatch(/File 'zeros.gz' read by 'loadMnist' inflates to more than 65536 bytes/);
  });
});
