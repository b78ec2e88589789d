// Internal byte helpers shared by the readers: input normalisation, gzip detection, short hex dumps.
import { assert, describeValue } from '@robustjs/core';
import type { BytesInput } from './types';

/** Views `input` (an ArrayBuffer or any ArrayBufferView) as a Uint8Array without copying. */
export function toBytes(input: unknown, where: string): Uint8Array {
  if (input instanceof Uint8Array && input.constructor === Uint8Array) return input;
  // Other views, a Node Buffer included, become a plain Uint8Array view on the same memory.
  if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  assert(isBuffer(input), 'INVALID_ARGUMENT', () =>
    `${where} must be an ArrayBuffer or a Uint8Array of the file's bytes, got ${describeValue(input)}. ` +
      "In a browser use new Uint8Array(await (await fetch(url)).arrayBuffer()); in Node use '@robustjs/datasets/node'.");
  return new Uint8Array(input);
}

function isBuffer(value: unknown): value is ArrayBufferLike {
  return value instanceof ArrayBuffer || (typeof SharedArrayBuffer === 'function' && value instanceof SharedArrayBuffer);
}

/** True when `bytes` starts with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The first `n` bytes as hex, e.g. `"1f 8b 08 00"`, for error messages. */
export function hexHead(bytes: Uint8Array, n = 4): string {
  if (bytes.length === 0) return '(no bytes: the file is empty)';
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** Whether `value` is a {@link BytesInput}. */
export function isBytesInput(value: unknown): value is BytesInput {
  return isBuffer(value) || ArrayBuffer.isView(value);
}
