import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, describeValue } from '@robustjs/core';
import type { Timesteps } from '@robustjs/core';

/** Per-sample timesteps as given by a user: a `[N]` tensor, a plain array, or one number for every sample. */
export type TimestepsLike = Timesteps | readonly number[] | Int32Array | number;

/**
 * Reads per-sample integer timesteps and checks them (internal helper shared by every sampler).
 *
 * @param t - a `[N]` tensor (int32 or integer-valued float32), an array, or a number broadcast to all samples.
 * @param n - the batch size N.
 * @param name - the argument's name, for messages.
 * @param fn - the public function, for messages.
 * @param min - smallest allowed value.
 * @param max - largest allowed value (inclusive).
 * @returns the values as an `Int32Array` of length N.
 * @throws RobustError `SHAPE_MISMATCH` for a length other than N, `INVALID_ARGUMENT` for non-integers,
 *   `OUT_OF_RANGE` for values outside [min, max].
 * @example
 * ```ts
 * const t = readTimesteps(100, 4, 't', 'qSample', 0, 999); // Int32Array [100, 100, 100, 100]
 * ```
 */
export function readTimesteps(t: unknown, n: number, name: string, fn: string, min: number, max: number): Int32Array {
  let values: ArrayLike<number>;
  if (typeof t === 'number') {
    values = new Array<number>(n).fill(t);
  } else if (t instanceof tf.Tensor) {
    assert(t.rank === 1 && t.shape[0] === n, 'SHAPE_MISMATCH', () =>
      `Argument '${name}' passed to '${fn}' must be per-sample timesteps of shape [${n}] (one per image), got shape ` +
        `${describeValue(t.shape)}. Give one timestep per image, or a single number for all.`);
    values = t.dataSync();
  } else if (Array.isArray(t) || t instanceof Int32Array) {
    const arr = t as ArrayLike<number>;
    assert(arr.length === n, 'SHAPE_MISMATCH', () =>
      `Argument '${name}' passed to '${fn}' must have ${n} per-sample timesteps (one per image), got ${arr.length}.`);
    values = arr;
  } else {
    throw new RobustError('INVALID_ARGUMENT',
      `Argument '${name}' passed to '${fn}' must be a [${n}] tensor, an array of ${n} integers or one integer, ` +
        `got ${describeValue(t)}.`);
  }
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    assert(Number.isInteger(v), 'INVALID_ARGUMENT', () =>
      `Argument '${name}' passed to '${fn}' must hold integer timesteps, got ${describeValue(v)} at sample ${i}.`);
    assert(v >= min && v <= max, 'OUT_OF_RANGE', () =>
      `Argument '${name}' passed to '${fn}' must hold timesteps in [${min}, ${max}], got ${v} at sample ${i}. ` +
        'Choose a timestep inside the schedule (or a longer schedule).');
    out[i] = v;
  }
  return out;
}

/**
 * A per-sample coefficient as a `[N,1,1,1]` tensor (broadcasts against `[N,H,W,C]` images).
 *
 * @param values - one value per sample.
 * @returns the tensor (float32).
 * @example
 * ```ts
 * const c = perSample(new Float64Array([0.5, 2])); // shape [2,1,1,1]
 * ```
 */
export function perSample(values: ArrayLike<number>): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1]);
}
