import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import pngjs from 'pngjs';
import { caughtSync, jpegBytes, pngBytes } from '../../test/fixtures';
import { decodeImage } from './decodeImage';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk with a correct CRC. */
function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A PNG (8-bit RGBA, colour type 6, not interlaced) declaring w×h around the given zlib IDAT payload. */
export function png(w: number, h: number, idat: Uint8Array): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, w);
  view.setUint32(4, h);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Raw scanlines of a w×h RGBA image of noise (filter byte 0 per row). */
export function noiseScanlines(w: number, h: number): Uint8Array {
  const raw = new Uint8Array(h * (1 + 4 * w));
  for (let i = 0; i < raw.length; i++) raw[i] = i % (1 + 4 * w) === 0 ? 0 : (i * 2654435761) >>> 24;
  return raw;
}

describe('decodeImage (PNG)', () => {
  it('decodes a PNG built by the helpers of this test exactly', () => {
    const raw = noiseScanlines(5, 3);
    const img = decodeImage(png(5, 3, deflateSync(raw)), "'x.png'", 100);
    expect(img.width).toBe(5);
    expect(img.height).toBe(3);
    expect(Array.from(img.rgb.subarray(0, 3))).toEqual(Array.from(raw.subarray(1, 4)));
    expect(decodeImage(pngBytes(2, 2, () => [1, 2, 3, 255]), "'y.png'", 100).rgb).toEqual(new Uint8Array([1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3]));
  });

  it.each([[0, 8], [2, 8], [4, 8], [6, 8], [0, 16], [6, 16]] as const)('still decodes what pngjs writes: colour type %i, %i bits', (colorType, bitDepth) => {
    const image = new pngjs.PNG({ width: 7, height: 5 });
    image.data.fill(200);
    const bytes = new Uint8Array(pngjs.PNG.sync.write(image, { colorType, bitDepth, inputHasAlpha: true }));
    const decoded = decodeImage(bytes, "'ok.png'", 100);
    expect([decoded.width, decoded.height, decoded.rgb.length]).toEqual([7, 5, 105]);
  });

  it('rejects a ~140-byte PNG declaring 4000×4000 before decoding, since its data cannot inflate that far', () => {
    const bytes = png(4000, 4000, deflateSync(noiseScanlines(1, 1)));
    expect(bytes.length).toBeLessThan(160);
    const started = performance.now();
    const err = caughtSync(() => decodeImage(bytes, "'bomb.png'", 4096 * 4096));
    expect(performance.now() - started).toBeLessThan(200);
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(/Image file 'bomb.png' declares 4000×4000 pixels .* but holds only \d+ bytes of compressed image data/);
  });

  // fuzz jpeg #121: 314 bytes, ~90 MB of buffers
  it('rejects a JPEG whose frame needs more blocks than its bytes can code, unread', () => {
    const jpg = jpegBytes(8, 8).slice();
    const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
    jpg.set([4000 >> 8, 4000 & 255, 4000 >> 8, 4000 & 255], sof + 5); // height, width
    const e = caughtSync(() => decodeImage(jpg, "'big.jpg'", 4096 * 4096));
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toMatch(
      /'big.jpg' declares 4000×4000 pixels in 3 components \(\d+ blocks of 8×8\), but its/);
    expect(decodeImage(jpegBytes(8, 8), "'ok.jpg'", 4096 * 4096).width).toBe(8);
  });

  // fuzz jpeg #97427: 708 bytes, 363 MB; the DQT's length is one short
  it('bounds jpeg-js by the file size when the frame header hides from the segment walk', () => {
    const jpg = jpegBytes(8, 8).slice();
    const dqt = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xdb);
    const sof = jpg.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0);
    jpg.set([2051 >> 8, 2051 & 255, 2051 >> 8, 2051 & 255], sof + 5); // height, width
    // jpeg-js reads the tables by content, the walk by length
    jpg[dqt + 3] = (jpg[dqt + 3] as number) - 1;
    const rss = process.memoryUsage().rss;
    const e = caughtSync(() => decodeImage(jpg, "'odd.jpg'", 4096 * 4096));
    expect(process.memoryUsage().rss - rss).toBeLessThan(48 * 2 ** 20);
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toMatch(
      /'odd.jpg' declares more image data than its \d+ bytes can hold \(jpeg-js: maxMemoryUsage/);
  });

  it('rejects a truncated IDAT (same pixels on every call: none) instead of decoding memory not in the file', () => {
    const full = deflateSync(noiseScanlines(64, 64), { level: 0 });
    // Cut in half (pngjs used to read the missing filter bytes from uninitialised memory: a different
    // error on every run) and cut by 5 bytes (pngjs used to return an image with one byte not in the file).
    for (const cut of [full.subarray(0, Math.floor(full.length / 2)), full.subarray(0, full.length - 5)]) {
      const err = caughtSync(() => decodeImage(png(64, 64, cut), "'cut.png'", 4096 * 4096));
      expect(err.code).toBe('CORRUPT_FILE');
      expect(err.message).toMatch(/Image file 'cut.png' has truncated or corrupt image data \(unexpected end of file\)/);
    }
  });

  it('rejects image data that inflates to fewer bytes than the declared size needs', () => {
    const bytes = png(64, 64, deflateSync(noiseScanlines(64, 32)));
    const err = caughtSync(() => decodeImage(bytes, "'short.png'", 4096 * 4096));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(/Image file 'short.png' .*inflates to 8224 bytes, but 64×64 .* needs 16448/);
  });
});
