import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes a grey or RGB image as a PNG (8 bits per channel, no interlace) with `node:zlib`.
 *
 * @param pixels - row-major `[H,W,C]` values in [0,1] (clamped), C = 1 (grey) or 3 (RGB).
 * @param width - W.
 * @param height - H.
 * @param channels - C, 1 or 3.
 * @param scale - nearest-neighbour upscaling factor (an integer ≥ 1), default 1.
 * @returns the PNG file's bytes.
 * @example
 * ```ts
 * const png = encodePng(new Float32Array(28 * 28), 28, 28, 1, 3); // an 84×84 black square
 * ```
 */
export function encodePng(pixels: ArrayLike<number>, width: number, height: number, channels: 1 | 3, scale = 1): Uint8Array {
  const w = width * scale;
  const h = height * scale;
  const raw = new Uint8Array(h * (1 + w * channels));
  for (let y = 0; y < h; y++) {
    const row = y * (1 + w * channels);
    raw[row] = 0; // filter: none
    const sy = Math.floor(y / scale);
    for (let x = 0; x < w; x++) {
      const sx = Math.floor(x / scale);
      for (let c = 0; c < channels; c++) {
        const v = pixels[(sy * width + sx) * channels + c] ?? 0;
        raw[row + 1 + x * channels + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
      }
    }
  }
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, w);
  hv.setUint32(4, h);
  header[8] = 8;
  header[9] = channels === 1 ? 0 : 2;
  const signature = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
  const parts = [signature, chunk('IHDR', header), chunk('IDAT', new Uint8Array(deflateSync(raw))), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A PNG as a `data:` URI for inline `<img>` tags.
 *
 * @param png - PNG bytes from {@link encodePng}.
 * @returns `data:image/png;base64,…`.
 * @example
 * ```ts
 * const src = pngDataUri(encodePng(pixels, 28, 28, 1, 3));
 * ```
 */
export function pngDataUri(png: Uint8Array): string {
  return `data:image/png;base64,${Buffer.from(png).toString('base64')}`;
}
