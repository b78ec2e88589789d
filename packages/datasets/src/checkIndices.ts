// Internal: validates a list of row indices against a dataset's size.
import { RobustError, assert, describeValue } from '@robustjs/core';

/** Checks that `indices` is an array-like of integers in [0, n) and returns it as an Int32Array. */
export function checkIndices(indices: unknown, n: number, name: string, fn: string): Int32Array {
  const where = `Argument '${name}' passed to '${fn}'`;
  assert(Array.isArray(indices) || (ArrayBuffer.isView(indices) && !(indices instanceof DataView)), 'INVALID_ARGUMENT', () =>
    `${where} must be an array or typed array of row indices, got ${describeValue(indices)}.`);
  const list = indices as ArrayLike<number>;
  const out = new Int32Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const v = list[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= n) {
      throw new RobustError('OUT_OF_RANGE',
        `${where} must hold integer row indices in [0, ${n}), got ${describeValue(v)} at position ${i}.`);
    }
    out[i] = v;
  }
  return out;
}
