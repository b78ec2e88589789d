import { RobustError, assert, describeValue, resolveOptions } from '@robustjs/core';
import { isBytesInput, isGzip, toBytes } from './bytes';
import { CIFAR10_CLASSES } from './classNames';
import { checkClassNames, checkSource } from './readIdx';
import type { BytesInput, Dataset, DatasetShape } from './types';

/** Options of {@link readCifar10}. */
export interface ReadCifar10Options {
  /** The class names; default {@link CIFAR10_CLASSES}. Labels must lie in [0, K). */
  readonly classNames?: readonly string[];
  /** The dataset's `source`; default `'memory'`. */
  readonly source?: string;
  /** One file name per batch, used in error messages; default `'batches[i]'`. */
  readonly names?: readonly string[];
}

const DEFAULTS = { classNames: undefined, source: undefined, names: undefined } as const;

/** Bytes of one CIFAR-10 record: 1 label byte, then 32×32 red, 32×32 green, 32×32 blue. */
export const CIFAR10_RECORD_BYTES = 1 + 32 * 32 * 3;

/**
 * Reads CIFAR-10 binary batches (`data_batch_1.bin` … `data_batch_5.bin`, `test_batch.bin`) from
 * memory (works in browsers). Each file is a sequence of 3073-byte records: a label byte, then the
 * 32×32 red, green and blue planes. Pixels are transposed to `[N,32,32,3]` (NHWC).
 *
 * @param batches - one batch's bytes or an array of them (concatenated in order).
 * @param options - `classNames` (default {@link CIFAR10_CLASSES}), `source` (default `'memory'`), `names` for messages.
 * @returns a {@link Dataset} of shape `[N,32,32,3]` with `Uint8Array` labels.
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` naming the batch when its length is not a positive multiple
 *   of 3073 bytes (truncated, gzip, or another format) or a label lies outside [0, K) (e.g. CIFAR-100);
 *   `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for bad arguments.
 * @example
 * ```ts
 * const test = readCifar10(new Uint8Array(await (await fetch('/cifar/test_batch.bin')).arrayBuffer()));
 * test.shape; // [10000, 32, 32, 3]
 * ```
 */
export function readCifar10(batches: BytesInput | readonly BytesInput[], options?: ReadCifar10Options): Dataset {
  const fn = 'readCifar10';
  const o = resolveOptions(fn, DEFAULTS, options);
  const list: readonly unknown[] = isBytesInput(batches) ? [batches] : (batches as readonly unknown[]);
  assert(Array.isArray(list) && list.length > 0, 'INVALID_ARGUMENT', () =>
    `Argument 'batches' passed to '${fn}' must be the bytes of one batch file or a non-empty array of them, got ${describeValue(batches)}.`);
  const names = o.names as readonly unknown[] | undefined;
  assert(names === undefined || (Array.isArray(names) && names.length === list.length && names.every((s) => typeof s === 'string')), 'INVALID_ARGUMENT', () =>
    `Option 'names' passed to '${fn}' must be ${list.length} string(s), one per batch, got ${describeValue(names)}.`);
  const parts = list.map((b, i) => {
    const name = (names?.[i] as string | undefined) ?? `batches[${i}]`;
    return { bytes: toBytes(b, `Argument '${name}' passed to '${fn}'`), subject: `'${name}' passed to '${fn}'` };
  });
  return readCifar10Impl(parts, checkClassNames(o.classNames, fn) ?? CIFAR10_CLASSES, checkSource(o.source, fn) ?? 'memory');
}

/** {@link readCifar10} on checked bytes; each part's `subject` names its file and the function. */
export function readCifar10Impl(parts: readonly { bytes: Uint8Array; subject: string }[], classNames: readonly string[], source: string): Dataset {
  let n = 0;
  for (const { bytes, subject } of parts) {
    const records = bytes.length / CIFAR10_RECORD_BYTES;
    if (bytes.length === 0 || !Number.isInteger(records)) {
      const hint = isGzip(bytes)
        ? 'It is gzip-compressed: extract cifar-10-binary.tar.gz first.'
        : bytes.length === 0
          ? 'The file is empty.'
          : `It is truncated (${Math.floor(records)} whole records and ${bytes.length % CIFAR10_RECORD_BYTES} extra bytes) or not a CIFAR-10 binary batch (the python pickles and CIFAR-100's 3074-byte records are other formats).`;
      throw new RobustError('CORRUPT_FILE',
        `CIFAR-10 file ${subject} must hold a positive whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
          `(1 label byte + 32×32×3 pixels), got ${bytes.length} bytes. ${hint}`);
    }
    n += records;
  }
  const k = classNames.length;
  for (const { bytes, subject } of parts) {
    for (let off = 0, r = 0; off < bytes.length; off += CIFAR10_RECORD_BYTES, r++) {
      const label = bytes[off] as number;
      if (label >= k) {
        throw new RobustError('CORRUPT_FILE',
          `CIFAR-10 file ${subject} has label ${label} in record ${r} (byte ${off}), outside [0, ${k}) for the ${k} classes. ` +
            'The file is corrupt or is not CIFAR-10 (CIFAR-100 uses two label bytes per record).');
      }
    }
  }
  const plane = 32 * 32;
  const images = new Uint8Array(n * plane * 3);
  const labels = new Uint8Array(n);
  let i = 0;
  for (const { bytes } of parts) {
    for (let off = 0; off < bytes.length; off += CIFAR10_RECORD_BYTES, i++) {
      labels[i] = bytes[off] as number;
      const r = off + 1;
      const out = i * plane * 3;
      for (let p = 0; p < plane; p++) {
        images[out + 3 * p] = bytes[r + p] as number; // [3,32,32] planes → [32,32,3]
        images[out + 3 * p + 1] = bytes[r + plane + p] as number;
        images[out + 3 * p + 2] = bytes[r + 2 * plane + p] as number;
      }
    }
  }
  return Object.freeze({
    images,
    labels,
    shape: Object.freeze([n, 32, 32, 3]) as DatasetShape,
    classNames: Object.freeze([...classNames]),
    source,
  });
}
