// Internal: bounds a JPEG's work by the bytes it holds, before jpeg-js allocates anything.
import { RobustError } from '@robustjs/core';

/** Start-of-frame markers (baseline, extended, progressive, lossless; Huffman and arithmetic). */
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/**
 * Checks the frame header of a JPEG against the bytes it holds: every 8×8 block of every component
 * costs at least one bit of entropy-coded data (its DC difference), so a file of `n` bytes holds at
 * most `8n` blocks. A 300-byte file declaring 4000×4000 pixels is refused here instead of making
 * jpeg-js allocate its buffers (tens of MB). Files without a frame header before the first scan are
 * left to jpeg-js. Throws `CORRUPT_FILE` naming `subject`.
 */
export function checkJpegData(bytes: Uint8Array, subject: string): void {
  const corrupt = (msg: string): never => {
    throw new RobustError(
      'CORRUPT_FILE',
      `Image file ${subject} ${msg} Re-export it or remove it from the folder.`,
    );
  };
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return; // not at a marker: jpeg-js reports it
    const marker = bytes[at + 1] as number;
    if (marker === 0xff) {
      at++;
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      at += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return;
    const length = ((bytes[at + 2] as number) << 8) | (bytes[at + 3] as number);
    if (SOF.has(marker)) {
      if (at + 10 > bytes.length) corrupt('is a truncated JPEG (its frame header is cut off).');
      const height = ((bytes[at + 5] as number) << 8) | (bytes[at + 6] as number);
      const width = ((bytes[at + 7] as number) << 8) | (bytes[at + 8] as number);
      const n = bytes[at + 9] as number;
      if (at + 10 + 3 * n > bytes.length)
        corrupt('is a truncated JPEG (its frame header is cut off).');
      const factors = Array.from({ length: n }, (_, c) => bytes[at + 11 + 3 * c] as number);
      const hs = factors.map((f) => f >> 4);
      const vs = factors.map((f) => f & 15);
      if (n === 0 || hs.some((h) => h === 0) || vs.some((v) => v === 0)) {
        corrupt(
          `is not a valid JPEG (frame header with ${n} components or a zero sampling factor).`,
        );
      }
      const hMax = Math.max(...hs);
      const vMax = Math.max(...vs);
      let blocks = 0;
      for (let c = 0; c < n; c++) {
        blocks +=
          Math.ceil((width * (hs[c] as number)) / hMax / 8) *
          Math.ceil((height * (vs[c] as number)) / vMax / 8);
      }
      if (blocks > 8 * bytes.length) {
        const most = 8 * bytes.length;
        corrupt(
          `declares ${width}×${height} pixels in ${n} components (${blocks} blocks of 8×8), ` +
            `but its ${bytes.length} bytes can hold at most ${most} blocks (one bit each): ` +
            'the file is truncated or corrupt.',
        );
      }
      return;
    }
    at += 2 + length;
  }
}
