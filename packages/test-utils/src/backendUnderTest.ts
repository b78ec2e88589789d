import * as tf from '@tensorflow/tfjs';
import { expectClose, relativeError } from './expectClose';

/**
 * The backend the conformance suites run on: `wasm` in the normal test run, `webgpu` in the webgpu
 * run (`ROBUSTJS_BACKEND=webgpu npm test`, Node's WebGPU through Dawn; over SwiftShader where there
 * is no GPU).
 */
export function backendUnderTest(): 'wasm' | 'webgpu' {
  return process.env.ROBUSTJS_BACKEND === 'webgpu' ? 'webgpu' : 'wasm';
}

/**
 * Float32 tolerances of the webgpu run against wasm, as {@link relativeError} (max |a−b| / max
 * |wasm|):
 * - `op`: one op or a short pure chain (a kernel, a detector's score, a kernel matrix): 1e-4;
 * - `chain`: a composed network or sampler (UNet forward, a purifier's few denoising steps, a
 *   defense's logits): 2e-3, since the rounding of each of dozens of ops (different summation
 *   orders, SwiftShader's exp/log) compounds;
 * - `gradient`: a gradient through such a chain: 5e-3;
 * - `attack`: attacks take sign(gradient), which flips where a gradient component is near 0: at
 *   most 2 % of the pixels may differ, by at most 2·eps each (the others to `chain`).
 */
export const WEBGPU_TOLERANCE = {
  op: 1e-4, chain: 2e-3, gradient: 5e-3, attackPixels: 0.02,
} as const;

/**
 * Runs `fn` on the wasm backend, synchronously, and switches back to the backend that was active.
 * `fn` returns plain values (not tensors); tensors it reads move to wasm and move back on their
 * next use. Both backends must be initialised already (the webgpu run's setup does it):
 * `tf.setBackend` then switches before its promise.
 */
export function onWasm<T>(fn: () => T): T {
  const current = tf.getBackend();
  const use = (name: string): void => {
    void tf.setBackend(name);
    if (tf.getBackend() !== name) {
      throw new Error(`onWasm: backend ${name} is not initialised (await tf.setBackend first)`);
    }
  };
  use('wasm');
  try {
    return fn();
  } finally {
    use(current);
  }
}

/** Throws unless `actual` (backend under test) matches `wasm` within `tol` (relative error). */
export function expectAgreesWithWasm(
  actual: ArrayLike<number>, wasm: ArrayLike<number>, tol: number, what: string,
): void {
  expectClose(actual, wasm, tol, `${what} on ${tf.getBackend()} vs wasm`);
}

/**
 * Compares an attack's output with wasm's: at most `WEBGPU_TOLERANCE.attackPixels` of the pixels
 * may differ by more than `WEBGPU_TOLERANCE.chain` (sign flips of near-zero gradient components),
 * none by more than `2·eps`.
 */
export function expectAttackAgreesWithWasm(
  actual: ArrayLike<number>, wasm: ArrayLike<number>, eps: number, what: string,
): void {
  let off = 0;
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs((actual[i] as number) - (wasm[i] as number));
    if (!(d <= WEBGPU_TOLERANCE.chain)) off++;
    if (!(d <= worst)) worst = d;
  }
  const fraction = off / Math.max(actual.length, 1);
  if (!(fraction <= WEBGPU_TOLERANCE.attackPixels) || !(worst <= 2 * eps + 1e-6)) {
    const pct = (fraction * 100).toFixed(2);
    throw new Error(`${what} on ${tf.getBackend()} vs wasm: ${pct} % of pixels differ ` +
      `(allowed ${WEBGPU_TOLERANCE.attackPixels * 100} %), worst ${worst.toExponential(3)} ` +
      `(allowed ${2 * eps}); ` +
      `relative error ${relativeError(actual, wasm).toExponential(3)}`);
  }
}
