import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { RobustError, registerWasmKernels } from '@robustjs/core';
import { relativeError } from '@robustjs/test-utils';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadNative } from './loadNative';
import { registerNativeKernels } from './registerNativeKernels';

const required = process.env.ROBUSTJS_NATIVE_REQUIRED === '1';
const available = loadNative().ok;
const saved = process.env.ROBUSTJS_NATIVE;

afterEach(() => {
  if (saved === undefined) delete process.env.ROBUSTJS_NATIVE;
  else process.env.ROBUSTJS_NATIVE = saved;
});

/** A convolution and its gradients on the active backend. */
function convStep(): Float32Array[] {
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 9, 7, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, w]);
    return [gx!.dataSync().slice() as Float32Array, gw!.dataSync().slice() as Float32Array];
  });
}

describe('loadNative', () => {
  it('reports ROBUSTJS_NATIVE=0 without throwing, and tfjs keeps working with its own kernels', async () => {
    process.env.ROBUSTJS_NATIVE = '0';
    const r = loadNative();
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(/ROBUSTJS_NATIVE=0/);
    const reg = registerNativeKernels('wasm');
    expect(reg).toEqual({ ok: false, reason: expect.stringMatching(/ROBUSTJS_NATIVE=0/), kernels: [] });
    await tf.setBackend('cpu');
    const ref = convStep();
    registerWasmKernels();
    await tf.setBackend('wasm');
    await tf.ready();
    const got = convStep();
    expect(relativeError(got[0]!, ref[0]!)).toBeLessThan(1e-4);
    expect(relativeError(got[1]!, ref[1]!)).toBeLessThan(1e-4);
  });

  it('reports a missing addon file with the build command', () => {
    const r = loadNative({ path: '/nonexistent/robustjs_native.node' });
    expect(r.ok).toBe(false);
    const reason = r.ok ? '' : r.reason;
    expect(reason).toMatch(/does not exist.*libdnnl-dev.*`npm rebuild @robustjs\/native --foreground-scripts`/);
    expect(reason).toMatch(/in a robustjs checkout: `npm run build:addon -w @robustjs\/native`/);
    expect(registerNativeKernels('cpu', { path: '/nonexistent/robustjs_native.node' })).toMatchObject({ ok: false, kernels: [] });
  });

  it('reports a file that is not a loadable addon', () => {
    const dir = mkdtempSync(join(tmpdir(), 'robustjs-native-'));
    try {
      const bad = join(dir, 'bad.node');
      writeFileSync(bad, 'not an ELF file');
      const r = loadNative({ path: bad });
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.reason).toMatch(/failed to load/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown backend name and a bad thread count', () => {
    expect(() => registerNativeKernels('webgl' as 'wasm')).toThrow(RobustError);
    expect(() => registerNativeKernels('cpu', { threads: 0 })).toThrow(/threads/);
  });
});

if (available || required) describe('loadNative with the addon built', () => {
  it('loads the addon: oneDNN with the OpenMP runtime on every core', () => {
    const r = loadNative();
    if (!r.ok) throw new Error(r.reason);
    const info = r.addon.info();
    expect(info.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(info.runtime).toBe('omp');
    expect(info.threads).toBeGreaterThanOrEqual(1);
  });

  it('reports a missing oneDNN runtime (libdnnl.so.2 unloadable)', () => {
    // A child process whose dynamic loader finds a broken libdnnl.so.2 first.
    const dir = mkdtempSync(join(tmpdir(), 'robustjs-dnnl-'));
    try {
      writeFileSync(join(dir, 'libdnnl.so.2'), 'broken');
      const src = fileURLToPath(new URL('./loadNative.ts', import.meta.url));
      const script = `import { loadNative } from ${JSON.stringify(src)}; console.log(JSON.stringify(loadNative()));`;
      const out = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        env: { ...process.env, LD_LIBRARY_PATH: dir },
        encoding: 'utf8',
      });
      const r = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as { ok: boolean; reason?: string };
      expect(r.ok).toBe(false);
      expect(r.reason).toMatch(/cannot load the oneDNN runtime.*libdnnl/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
