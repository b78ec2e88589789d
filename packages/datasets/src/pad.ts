import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import { assertDataset } from './createDataset';
import type { Dataset, DatasetShape } from './types';

/** Options of {@link pad}. */
export interface PadOptions {
  /** The target height and width, an integer ≥ H and ≥ W; default `32` (28×28 MNIST → 32×32). */
  readonly size?: number;
  /** The fill value, an integer 0..255 (0 = black); default `0`. */
  readonly value?: number;
}

const DEFAULTS = { size: 32, value: 0 } as const;

/**
 * Pads every image to `size`×`size`, centred: `floor((size-H)/2)` rows on top and the rest below,
 * likewise left and right (28 → 32 adds 2 on each side). Labels and class names are kept.
 *
 * @param ds - the dataset `[N,H,W,C]`.
 * @param options - `size` (default `32`), `value` (default `0`).
 * @returns a dataset `[N,size,size,C]` (`ds` itself when it is already `size`×`size`).
 * @throws {@link @robustjs/core!index.RobustError} `OUT_OF_RANGE` when `size` is smaller than H or W, or `value` is outside
 *   0..255; `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for bad options.
 * @example
 * ```ts
 * const padded = pad(fashion, { size: 32 }); // [N,28,28,1] → [N,32,32,1]
 * ```
 */
export function pad(ds: Dataset, options?: PadOptions): Dataset {
  const fn = 'pad';
  const { size, value } = resolveOptions(fn, DEFAULTS, options);
  assertNumber(size, 'size', fn, { integer: true, min: 1 });
  assertNumber(value, 'value', fn, { integer: true, min: 0, max: 255 });
  assertDataset(ds, 'ds', fn);
  const [n, h, w, c] = ds.shape;
  assert(size >= h && size >= w, 'OUT_OF_RANGE', () =>
    `Option 'size' passed to '${fn}' is ${size}, smaller than the images' ${h}×${w} (shape ${describeValue(ds.shape)}); ` +
      'padding cannot shrink images: use a size ≥ both.');
  if (size === h && size === w) return ds;
  const top = Math.floor((size - h) / 2);
  const left = Math.floor((size - w) / 2);
  const inRow = w * c;
  const outRow = size * c;
  const outImage = size * outRow;
  const images = new Uint8Array(n * outImage);
  if (value !== 0) images.fill(value);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < h; y++) {
      const src = (i * h + y) * inRow;
      images.set(ds.images.subarray(src, src + inRow), i * outImage + (top + y) * outRow + left * c);
    }
  }
  return Object.freeze({
    images,
    labels: ds.labels,
    shape: Object.freeze([n, size, size, c]) as DatasetShape,
    classNames: ds.classNames,
    source: ds.source,
  });
}
