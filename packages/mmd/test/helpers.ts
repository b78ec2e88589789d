import * as tf from '@tensorflow/tfjs';
import '@robustjs/core/register';
import { RobustError } from '@robustjs/core';
import { beforeAll, expect } from 'vitest';

/** Runs the file's tests on the wasm backend with robustjs's kernel additions (fast transposed matmuls). */
export function useWasm(): void {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
  });
}

/** Runs `fn`, expects it to throw a RobustError, and returns it (sync or async). */
export function caught(fn: () => unknown): RobustError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RobustError);
    return e as RobustError;
  }
  throw new Error('expected a RobustError, nothing was thrown');
}

/** Async twin of {@link caught}. */
export async function caughtAsync(fn: () => Promise<unknown>): Promise<RobustError> {
  try {
    await fn();
  } catch (e) {
    expect(e).toBeInstanceOf(RobustError);
    return e as RobustError;
  }
  throw new Error('expected a RobustError, nothing was thrown');
}

/** Reads a scalar (or the first value) of a tensor and disposes it. */
export function take(t: tf.Tensor): number {
  const v = (t.dataSync() as Float32Array)[0] as number;
  t.dispose();
  return v;
}

/** Relative error |a − b| / |b|. */
export function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.abs(b);
}
