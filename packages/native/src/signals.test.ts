import { Session } from 'node:inspector';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '@robustjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadNative } from './loadNative';
import { registerNativeKernels, unregisterNativeKernels } from './registerNativeKernels';

// oneDNN 2.6's jit gemm keeps data below the stack pointer; a signal handled meanwhile (V8's sampling profiler
// sends SIGPROF to the JavaScript thread) used to corrupt the heap and abort the process. The addon blocks the
// asynchronous signals for the duration of each call. This runs the kernels under the profiler at a 100 µs sampling
// interval: before the fix it aborted within a few products.
const native = loadNative();
const required = process.env.ROBUSTJS_NATIVE_REQUIRED === '1';

const post = (session: Session, method: string, params: object = {}): Promise<unknown> =>
  new Promise((resolve, reject) => session.post(method, params, (err, result) => (err ? reject(err) : resolve(result))));

if (native.ok || required) {
  describe('native kernels under a sampling profiler (SIGPROF every 100 µs)', () => {
    beforeAll(async () => {
      if (!native.ok) throw new Error(`ROBUSTJS_NATIVE_REQUIRED=1 but the addon is unavailable: ${native.reason}`);
      registerWasmKernels();
      registerNativeKernels('wasm');
      await tf.setBackend('wasm');
      await tf.ready();
    });
    afterAll(() => {
      unregisterNativeKernels('wasm');
    });

    it('give the same numbers as without it and keep the process alive', async () => {
      const g = tf.randomNormal([1024, 1024], 0, 1, 'float32', 1);
      const a = tf.randomNormal([1024, 128], 0, 1, 'float32', 2);
      // few tfjs ops per iteration: the profiler's cost falls on JavaScript, the signals on the native calls
      const work = (): Float32Array[] => tf.tidy(() => [tf.matMul(g, a), tf.matMul(g, a, true, false)].map((t) => t.dataSync().slice() as Float32Array));
      const reference = work();
      const before = tf.memory().numTensors;
      const session = new Session();
      session.connect();
      try {
        await post(session, 'Profiler.enable');
        await post(session, 'Profiler.setSamplingInterval', { interval: 100 });
        await post(session, 'Profiler.start');
        for (let i = 0; i < 12; i++) {
          const got = work();
          // bit for bit (a Buffer comparison: vitest's deep equality walks a 1M-element array slowly)
          got.forEach((v, k) => expect(Buffer.compare(Buffer.from(v.buffer), Buffer.from(reference[k]!.buffer))).toBe(0));
        }
        const { profile } = (await post(session, 'Profiler.stop')) as { profile: { samples?: number[] } };
        expect(profile.samples?.length ?? 0).toBeGreaterThan(10); // the profiler did sample meanwhile
      } finally {
        session.disconnect();
      }
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([g, a]);
    }, 300_000);
  });
} else {
  it('the addon is not built here: loadNative says why (the profiler test needs it)', () => {
    expect(native.ok).toBe(false);
    expect(native.ok ? '' : native.reason.length).toBeGreaterThan(0);
  });
}
