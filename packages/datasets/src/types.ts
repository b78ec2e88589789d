import type { Images, Labels } from '@robustjs/core';

/** The shape of a {@link Dataset}'s images: `[N,H,W,C]` (count, height, width, channels). */
export type DatasetShape = readonly [n: number, h: number, w: number, c: number];

/**
 * A labelled image set kept as compact typed arrays: one byte per pixel value, no tensors.
 * Tensors are made per batch by `toTensors` or `batches`, so a 60,000-image set costs 47 MB, not 188 MB
 * of float32 and not one giant tensor.
 *
 * Shape: `images` holds `N*H*W*C` bytes in row-major `[N,H,W,C]` (NHWC) order, values 0..255;
 * `labels` holds `N` class indices in [0, K), K = `classNames.length`.
 */
export interface Dataset {
  /** Pixels, row-major `[N,H,W,C]`, 0..255 (divide by 255 for the contract's [0,1]). */
  readonly images: Uint8Array;
  /** Class index of each image, `[N]`, each in [0, K). `Uint8Array` when K ≤ 256, else `Int32Array`. */
  readonly labels: Uint8Array | Int32Array;
  /** `[N,H,W,C]`. */
  readonly shape: DatasetShape;
  /** The K class names; `classNames[labels[i]]` names image i's class. */
  readonly classNames: readonly string[];
  /** Where the data came from, e.g. `"debian:/usr/share/datasets/fashion-mnist"` or `"embedded:…"`. */
  readonly source: string;
}

/** One batch made from a {@link Dataset}; the consumer owns (and disposes) `x` and `y`. */
export interface Batch {
  /** Images `[B,H,W,C]` float32 in [0,1]. */
  readonly x: Images;
  /** Labels `[B]` int32. */
  readonly y: Labels;
  /** The row of each batch element in the dataset, `[B]`. */
  readonly indices: Int32Array;
}

/** Raw bytes: an `ArrayBuffer` (e.g. from `await response.arrayBuffer()`), a `SharedArrayBuffer`, or any view on one (`Uint8Array`, `Buffer`). */
export type BytesInput = ArrayBufferLike | ArrayBufferView;

/** The standard splits of MNIST, Fashion-MNIST and CIFAR-10. */
export type Split = 'train' | 'test';
