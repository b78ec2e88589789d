import { RobustError, assert, describeValue } from '@robustjs/core';
import { hexHead, isGzip, toBytes } from './bytes';
import type { BytesInput } from './types';

/** An IDX file split into its header dimensions and its data. */
export interface IdxArray {
  /** The dimensions from the header, e.g. `[10000, 28, 28]` for images or `[10000]` for labels. */
  readonly dims: readonly number[];
  /** The data bytes, row-major in `dims` order (a view on the input, not a copy). */
  readonly data: Uint8Array;
}

const IDX_TYPES: Record<number, string> = { 0x08: 'uint8', 0x09: 'int8', 0x0b: 'int16', 0x0c: 'int32', 0x0d: 'float32', 0x0e: 'float64' };

/**
 * Parses one uncompressed IDX file (the MNIST format: magic `00 00 08 <ndims>`, `ndims` big-endian
 * uint32 sizes, then the data). Only unsigned-byte data (type `0x08`) is supported. The header is
 * checked against the byte count before anything is allocated: a header that promises more data than
 * the input holds is an error, never an allocation, and so are dimensions whose non-zero entries
 * multiply to more than 2^53 (e.g. `[4e9 ×40, 0]`, whose product in doubles is NaN).
 *
 * @param input - the file's bytes (already gunzipped; see `gunzip`).
 * @param name - how to name the input in messages, e.g. the file name; default `'input'`.
 * @returns `{ dims, data }` with `data` a view on `input`.
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` for a wrong magic number (with a hint when the bytes are
 *   gzip), an unsupported data type, a truncated header or body, dimensions multiplying past 2^53, or trailing bytes; `INVALID_ARGUMENT`
 *   when `input` is not bytes.
 * @example
 * ```ts
 * const { dims, data } = parseIdx(labelBytes, 't10k-labels-idx1-ubyte'); // dims [10000]
 * ```
 */
export function parseIdx(input: BytesInput, name = 'input'): IdxArray {
  return parseIdxImpl(toBytes(input, `Argument '${name}' passed to 'parseIdx'`), `'${name}' passed to 'parseIdx'`);
}

/** {@link parseIdx} on bytes; `subject` names the file and the function in messages ("'x.gz' read by 'loadMnist'"). */
export function parseIdxImpl(bytes: Uint8Array, subject: string): IdxArray {
  const corrupt = (msg: string): never => {
    throw new RobustError('CORRUPT_FILE', `IDX file ${subject} ${msg}`);
  };
  if (bytes.length < 4) corrupt(`is too short: an IDX header needs at least 4 bytes, got ${bytes.length}. The file is truncated or not IDX.`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    if (isGzip(bytes)) {
      corrupt('is gzip-compressed (it starts with 1f 8b): expected raw IDX bytes. Decompress it first ' +
        "(await gunzip(bytes) in a browser; '@robustjs/datasets/node' readers do it for you).");
    }
    corrupt(`has a wrong magic number: expected 00 00 08 <ndims> (an MNIST-style IDX file), got ${hexHead(bytes)}. ` +
      'Check that this is an IDX file (e.g. train-images-idx3-ubyte), not another format.');
  }
  const type = bytes[2] as number;
  if (type !== 0x08) {
    const known = IDX_TYPES[type];
    corrupt(known
      ? `holds ${known} data (type 0x${type.toString(16).padStart(2, '0')}); only unsigned-byte data (type 0x08) is supported, as in MNIST and Fashion-MNIST.`
      : `has a wrong magic number: unknown IDX data type 0x${type.toString(16).padStart(2, '0')} in ${hexHead(bytes)}; expected 00 00 08 <ndims>.`);
  }
  const ndims = bytes[3] as number;
  if (ndims === 0) corrupt(`declares 0 dimensions (magic ${hexHead(bytes)}); expected at least 1.`);
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < headerBytes) {
    corrupt(`is truncated: its header declares ${ndims} dimensions (${headerBytes} header bytes), but the file holds only ${bytes.length} bytes.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  let needed = 1;
  let extent = 1; // the product of the non-zero dimensions: bounded even when a zero makes `needed` 0
  for (let i = 0; i < ndims; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    needed *= d; // a double: exact up to 2^53, and only compared, never allocated
    if (d > 0) extent *= d;
  }
  const available = bytes.length - headerBytes;
  if (needed > available) {
    corrupt(`is truncated or its header is corrupt: dimensions ${describeValue(dims)} need ${needed} data bytes, ` +
      `but only ${available} follow the ${headerBytes}-byte header. Download the file again.`);
  }
  if (!(extent <= Number.MAX_SAFE_INTEGER)) {
    // Infinity × 0 is NaN, which passes both size comparisons: dims such as [4e9 ×40, 0].
    corrupt(`has a corrupt header: its non-zero dimensions ${describeValue(dims)} multiply to more than 2^53 ` +
      `(${extent}), so no file can hold them. Download the file again.`);
  }
  if (needed < available) {
    corrupt(`has ${available - needed} unexpected bytes after the ${needed} data bytes its dimensions ${describeValue(dims)} declare. ` +
      'The header is corrupt or the file was concatenated with something else.');
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/** Throws unless `cond`, as a `CORRUPT_FILE` error about `subject`. */
export function assertIdx(cond: unknown, subject: string, message: () => string): asserts cond {
  assert(cond, 'CORRUPT_FILE', () => `IDX file ${subject} ${message()}`);
}
