import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { RobustError } from '../errors';
import { initBackend } from './initBackend';

const saved = process.env.ROBUSTJS_BACKEND;
afterEach(() => {
  if (saved === undefined) delete process.env.ROBUSTJS_BACKEND;
  else process.env.ROBUSTJS_BACKEND = saved;
});

describe('initBackend', () => {
  it('picks wasm in Node when tfjs-node(-gpu) are absent, and says why each was skipped', async () => {
    delete process.env.ROBUSTJS_BACKEND;
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.tried.map((t) => t.name)).toEqual(['tfjs-node-gpu', 'tfjs-node', 'webgpu', 'wasm', 'native']);
    const [gpu, node, webgpu, wasm, native] = info.tried;
    // No GPU here: Dawn finds no adapter, or only SwiftShader's, which is not used unless forced (nodeWebgpu.test.ts).
    expect(webgpu?.ok).toBe(false);
    expect(webgpu?.reason).toMatch(
      /no GPU device node|no WebGPU adapter|only a software adapter was found|could not be loaded/);
    // The oneDNN kernels are optional: either registered, or skipped with a reason.
    expect(native?.ok ? native.reason : native?.reason?.length).toEqual(native?.ok ? undefined : expect.any(Number));
    expect(gpu?.ok).toBe(false);
    expect(gpu?.reason).toMatch(/@tensorflow\/tfjs-node-gpu could not be loaded/);
    expect(gpu?.reason).toMatch(/npm install @tensorflow\/tfjs-node-gpu@4\.22\.0/);
    expect(node?.ok).toBe(false);
    expect(node?.reason).toMatch(/npm install @tensorflow\/tfjs-node@4\.22\.0/);
    expect(wasm).toEqual({ name: 'wasm', ok: true });
    // The kernel additions are in force on the chosen wasm backend.
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('honours ROBUSTJS_BACKEND=cpu', async () => {
    process.env.ROBUSTJS_BACKEND = 'cpu';
    const info = await initBackend();
    expect(info.name).toBe('cpu');
    expect(info.tried.map((t) => t.name)).toEqual(['cpu', 'native']);
    expect(info.tried[0]).toEqual({ name: 'cpu', ok: true });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('skips the native kernels with ROBUSTJS_NATIVE=0 and says so', async () => {
    process.env.ROBUSTJS_NATIVE = '0';
    try {
      const info = await initBackend('wasm');
      expect(info.tried.at(-1)).toEqual({ name: 'native', ok: false, reason: 'turned off by ROBUSTJS_NATIVE=0' });
    } finally {
      delete process.env.ROBUSTJS_NATIVE;
    }
  });

  it('lets an explicit preference override the environment', async () => {
    process.env.ROBUSTJS_BACKEND = 'cpu';
    const info = await initBackend('wasm');
    expect(info.name).toBe('wasm');
  });

  it('fails clearly for ROBUSTJS_BACKEND=tensorflow here, saying how to install tfjs-node', async () => {
    process.env.ROBUSTJS_BACKEND = 'tensorflow';
    const err = await initBackend().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RobustError);
    expect((err as RobustError).code).toBe('BACKEND_UNAVAILABLE');
    expect((err as RobustError).message).toMatch(/Backend 'tensorflow' requested by ROBUSTJS_BACKEND cannot be used here/);
    expect((err as RobustError).message).toMatch(/npm install @tensorflow\/tfjs-node@4\.22\.0/);
    expect((err as RobustError).message).toMatch(/unset ROBUSTJS_BACKEND/);
  });

  it('rejects an unknown backend name before trying anything', async () => {
    process.env.ROBUSTJS_BACKEND = 'tpu';
    await expect(initBackend()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/ROBUSTJS_BACKEND must be one of tensorflow, webgpu, webgl, wasm, cpu, got "tpu"/) });
    delete process.env.ROBUSTJS_BACKEND;
    await expect(initBackend('gpu' as never)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringMatching(/Argument 'preference' passed to 'initBackend'/) });
  });

  it('fails clearly for webgl in Node', async () => {
    const err = (await initBackend('webgl').catch((e: unknown) => e)) as RobustError;
    expect(err.code).toBe('BACKEND_UNAVAILABLE');
    expect(err.message).toMatch(/webgl/);
  });
});
