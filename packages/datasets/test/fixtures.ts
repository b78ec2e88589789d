// Test-only builders of small, valid files in each supported format (never published).
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { createDataset } from '../src/createDataset';
import type { Dataset } from '../src/types';

/** An IDX file: magic 00 00 <type> <ndims>, big-endian dims, then `data`. */
export function idxBytes(dims: readonly number[], data: ArrayLike<number>, type = 0x08): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(Array.from(data), 4 + 4 * dims.length);
  return out;
}

/** Pixel value of image i at byte p of a synthetic set: distinct per image and position. */
export const pixel = (i: number, p: number): number => (i * 31 + p * 7) % 256;

/** A pair of IDX files with n images of h×w and labels i % k. */
export function idxPair(n: number, h = 4, w = 4, k = 10): { images: Uint8Array; labels: Uint8Array } {
  const px = Array.from({ length: n * h * w }, (_, q) => pixel(Math.floor(q / (h * w)), q % (h * w)));
  return { images: idxBytes([n, h, w], px), labels: idxBytes([n], Array.from({ length: n }, (_, i) => i % k)) };
}

/** A CIFAR-10 batch: record i has label labels[i], red plane value r, green g, blue b (+ pixel offset). */
export function cifarBytes(labels: readonly number[]): Uint8Array {
  const rec = 3073;
  const out = new Uint8Array(labels.length * rec);
  labels.forEach((label, i) => {
    out[i * rec] = label;
    for (let ch = 0; ch < 3; ch++) {
      for (let p = 0; p < 1024; p++) out[i * rec + 1 + ch * 1024 + p] = (i * 50 + ch * 80 + p) % 256;
    }
  });
  return out;
}

/** A w×h PNG whose RGBA at (x,y) is `color(x,y)`. */
export function pngBytes(w: number, h: number, color: (x: number, y: number) => [number, number, number, number]): Uint8Array {
  const png = new pngjs.PNG({ width: w, height: h });
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) png.data.set(color(x, y), (y * w + x) * 4);
  }
  return new Uint8Array(pngjs.PNG.sync.write(png));
}

/** A w×h JPEG (quality 95) of a smooth colour ramp. */
export function jpegBytes(w: number, h: number, grey = false): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let p = 0; p < w * h; p++) {
    const v = (p * 9) % 256;
    data.set(grey ? [v, v, v, 255] : [v, 255 - v, (v * 3) % 256, 255], p * 4);
  }
  return new Uint8Array(jpeg.encode({ data, width: w, height: h }, 95).data);
}

/** A small in-memory dataset: image i filled with i % 256, label `label(i)`. */
export function tinyDataset(n: number, k = 3, label: (i: number) => number = (i) => i % k, hw = 2, c = 1): Dataset {
  const images = new Uint8Array(n * hw * hw * c);
  for (let i = 0; i < n; i++) images.fill(i % 256, i * hw * hw * c, (i + 1) * hw * hw * c);
  return createDataset({
    images,
    labels: Uint8Array.from({ length: n }, (_, i) => label(i)),
    shape: [n, hw, hw, c],
    classNames: Array.from({ length: k }, (_, j) => `c${j}`),
    source: 'test',
  });
}

/** Runs `fn` (sync or async) and returns the RobustError it throws; fails on anything else or nothing. */
export { expectRobustErrorAsync as caught, expectRobustError as caughtSync } from '@robustjs/test-utils';
