// Internal: bounds a PNG's work by the bytes it holds, before pngjs allocates anything.
import { inflateSync } from 'node:zlib';
import { RobustError } from '@robustjs/core';
import { errnoOf } from './files';

/** Deflate's largest compression ratio (zlib's documentation: 1032:1). */
const DEFLATE_MAX_RATIO = 1032;

/** Channels per PNG colour type: grey, RGB, palette, grey+alpha, RGBA. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7 passes: [xStart, yStart, xStep, yStep]. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/** Bytes of filtered scanlines (one filter byte per row) that a w×h image of `bits` bits per pixel inflates to. */
function scanlineBytes(w: number, h: number, bits: number, interlaced: boolean): number {
  const rows = (pw: number, ph: number): number => (pw === 0 || ph === 0 ? 0 : ph * (1 + Math.ceil((pw * bits) / 8)));
  if (!interlaced) return rows(w, h);
  return ADAM7.reduce((sum, [x0, y0, dx, dy]) =>
    sum + rows(w > x0 ? Math.ceil((w - x0) / dx) : 0, h > y0 ? Math.ceil((h - y0) / dy) : 0), 0);
}

/**
 * Checks a PNG whose IHDR declares `width`×`height` against the data it holds, so decoding is bounded
 * and deterministic: the chunks must lie inside the file, the IDAT bytes must be able to inflate to the
 * declared size (at most 1032:1), and they must inflate to exactly the declared scanlines (a truncated
 * or short stream would leave pngjs reading memory that is not in the file). Throws `CORRUPT_FILE`.
 */
export function checkPngData(bytes: Uint8Array, subject: string, width: number, height: number): void {
  const corrupt = (msg: string, cause?: unknown): never => {
    throw new RobustError('CORRUPT_FILE', `Image file ${subject} ${msg} Re-export it or remove it from the folder.`,
      cause === undefined ? undefined : { cause });
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bitDepth = bytes[24] as number;
  const colorType = bytes[25] as number;
  const channels = CHANNELS[colorType];
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(bitDepth) || bytes.length < 33) {
    corrupt(`is a PNG with an invalid header (colour type ${colorType}, bit depth ${bitDepth}).`);
  }
  const needed = scanlineBytes(width, height, (channels as number) * bitDepth, bytes[28] === 1);

  const idat: Uint8Array[] = [];
  let idatBytes = 0;
  let at = 8;
  for (;;) {
    if (at + 8 > bytes.length) corrupt(`is a truncated PNG: it ends inside a chunk header at byte ${at}, before IEND.`);
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (at + 12 + length > bytes.length) {
      corrupt(`is a truncated PNG: chunk '${type}' at byte ${at} declares ${length} bytes, but only ${bytes.length - at - 12} follow.`);
    }
    if (type === 'IDAT') {
      idat.push(bytes.subarray(at + 8, at + 8 + length));
      idatBytes += length;
    }
    at += 12 + length;
    if (type === 'IEND') break;
  }
  if (idatBytes * DEFLATE_MAX_RATIO + 1024 < needed) {
    corrupt(`declares ${width}×${height} pixels (${needed} bytes of scanlines) but holds only ${idatBytes} bytes of ` +
      `compressed image data, which inflate to at most ${idatBytes * DEFLATE_MAX_RATIO + 1024}: the file is truncated or forged.`);
  }
  const stream = new Uint8Array(idatBytes);
  let offset = 0;
  for (const part of idat) {
    stream.set(part, offset);
    offset += part.length;
  }
  let inflated: Uint8Array;
  try {
    inflated = inflateSync(stream, { maxOutputLength: needed });
  } catch (cause) {
    if (errnoOf(cause) === 'ERR_BUFFER_TOO_LARGE') {
      return corrupt(`holds image data that inflates to more than the ${needed} bytes its ${width}×${height} size needs.`, cause);
    }
    return corrupt(`has truncated or corrupt image data (${cause instanceof Error ? cause.message : String(cause)}).`, cause);
  }
  if (inflated.length !== needed) {
    corrupt(`has truncated image data: it inflates to ${inflated.length} bytes, but ${width}×${height} ` +
      `(${channels} channels of ${bitDepth} bits) needs ${needed}.`);
  }
}
