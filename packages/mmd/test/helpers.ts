import * as tf from '@tensorflow/tfjs';
import '@robustjs/core/register';

/** Runs the file's tests on the wasm backend (robustjs's kernel additions are registered by the import above). */
export { useWasm } from '@robustjs/test-utils';



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

/** `caught(fn)` returns the RobustError `fn` throws; `caughtAsync` awaits it first. */
export { expectRobustError as caught, expectRobustErrorAsync as caughtAsync } from '@robustjs/test-utils';
