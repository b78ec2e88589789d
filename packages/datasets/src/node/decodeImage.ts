// Internal: PNG / JPEG decoding with the maintained pure-JS decoders pngjs and jpeg-js, chosen by
// magic number (not by extension), with a pixel budget checked before decoding.
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { RobustError } from '@robustjs/core';
import { hexHead } from '../bytes';
import { checkJpegData } from './checkJpegData';
import { checkPngData } from './checkPngData';

/** A decoded image as 8-bit RGB, row-major `[H,W,3]`. */
export interface DecodedImage {
  readonly width: number;
  readonly height: number;
  /** `[H,W,3]` bytes; alpha, if any, is dropped. */
  readonly rgb: Uint8Array;
  /** True when R = G = B at every pixel. */
  readonly grey: boolean;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && PNG_MAGIC.every((v, i) => b[i] === v);
}

function isJpeg(b: Uint8Array): boolean {
  return b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;
}

/**
 * The decoder memory jpeg-js may request for a JPEG of `fileBytes` bytes, in MiB: 16 KiB per byte
 * of file (a valid JPEG codes each 8×8 block in at least one bit, so even a uniform image needs
 * less), at least 16 MiB, and at most what `maxPixels` pixels need. jpeg-js checks it before
 * allocating.
 */
function jpegMemoryMiB(fileBytes: number, maxPixels: number): number {
  const byPixels = Math.max(64, Math.ceil((maxPixels * 12) / 2 ** 20));
  return Math.min(byPixels, Math.max(16, Math.ceil((fileBytes * 16384) / 2 ** 20)));
}

/**
 * Decodes PNG or JPEG bytes to RGB. `subject` names the file and the function in messages.
 * Throws `CORRUPT_FILE` for anything that is not a decodable PNG or JPEG, and `OUT_OF_RANGE`
 * when the image has more than `maxPixels` pixels. A PNG's declared size is checked against
 * `maxPixels` and against the data it holds (see `checkPngData`) before pngjs allocates anything,
 * and truncated PNG data is an error, so decoding never reads memory that is not in the file. A
 * JPEG's frame is checked against its bytes likewise (see `checkJpegData`), and jpeg-js may request
 * at most 16 KiB of memory per byte of file (`jpegMemoryMiB`).
 */
export function decodeImage(bytes: Uint8Array, subject: string, maxPixels: number): DecodedImage {
  const corrupt = (msg: string, cause?: unknown): never => {
    throw new RobustError('CORRUPT_FILE', `Image file ${subject} ${msg}`, cause === undefined ? undefined : { cause });
  };
  const tooBig = (w: number, h: number): never => {
    throw new RobustError('OUT_OF_RANGE',
      `Image file ${subject} is ${w}×${h} = ${w * h} pixels, more than maxPixels ${maxPixels}. Resize it, or raise the 'maxPixels' option.`);
  };
  const reason = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  if (isPng(bytes)) {
    // IHDR is always the first chunk: length(4) "IHDR"(4) width(4) height(4), big-endian.
    if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') corrupt('is a truncated PNG (no IHDR header chunk).');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const w = view.getUint32(16);
    const h = view.getUint32(20);
    if (w === 0 || h === 0) corrupt(`is a PNG with an empty size ${w}×${h}.`);
    if (w * h > maxPixels) tooBig(w, h);
    checkPngData(bytes, subject, w, h);
    try {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      rgba = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength);
      width = png.width;
      height = png.height;
    } catch (e) {
      return corrupt(`is not a valid PNG (${reason(e)}). Re-export it or remove it from the folder.`, e);
    }
  } else if (isJpeg(bytes)) {
    checkJpegData(bytes, subject);
    try {
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        maxResolutionInMP: maxPixels / 1e6,
        maxMemoryUsageInMB: jpegMemoryMiB(bytes.length, maxPixels),
      });
      rgba = img.data;
      width = img.width;
      height = img.height;
    } catch (e) {
      if (/maxResolutionInMP/.test(reason(e))) {
        throw new RobustError('OUT_OF_RANGE',
          `Image file ${subject} has more than maxPixels ${maxPixels} pixels (${reason(e)}). Resize it, or raise the 'maxPixels' option.`, { cause: e });
      }
      if (/maxMemoryUsageInMB/.test(reason(e))) {
        return corrupt(`declares more image data than its ${bytes.length} bytes can hold ` +
          `(jpeg-js: ${reason(e)}); the file is truncated or corrupt. Re-export it or remove it ` +
          'from the folder.', e);
      }
      return corrupt(`is not a valid JPEG (${reason(e)}). Re-export it or remove it from the folder.`, e);
    }
  } else {
    return corrupt(`is not a PNG or JPEG image (it starts with ${hexHead(bytes, 8)}). ` +
      'Image folders may hold only PNG and JPEG files (hidden files are skipped): remove or convert it.');
  }
  if (!(width > 0 && height > 0) || rgba.length !== width * height * 4) {
    corrupt(`decoded to ${rgba.length} bytes, not ${width}×${height}×4; the file is corrupt.`);
  }
  const rgb = new Uint8Array(width * height * 3);
  let grey = true;
  for (let p = 0, q = 0; p < rgba.length; p += 4, q += 3) {
    const r = rgba[p] as number;
    const g = rgba[p + 1] as number;
    const b = rgba[p + 2] as number;
    rgb[q] = r;
    rgb[q + 1] = g;
    rgb[q + 2] = b;
    if (r !== g || g !== b) grey = false;
  }
  return { width, height, rgb, grey };
}
