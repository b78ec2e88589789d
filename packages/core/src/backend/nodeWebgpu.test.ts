import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expectClose, expectNoLeak } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { initBackend } from './initBackend';
import { describeAdapter, SWIFTSHADER_ICDS } from './nodeWebgpu';

// WebGPU in Node through Dawn (the optional package `webgpu`). Where Chromium's SwiftShader is
// installed (CI installs chromium and libvulkan1) the forced backend must come up on it; elsewhere
// forcing it must fail clearly.
const icd = SWIFTSHADER_ICDS.find((p) => existsSync(p));
// Set by the user (then not ours to change), or by this process's initBackend (the webgpu run's
// setup).
const userIcd = process.env.VK_ICD_FILENAMES === icd ? undefined : process.env.VK_ICD_FILENAMES;

describe('describeAdapter', () => {
  it('labels an adapter and tells software renderers from GPUs', () => {
    const swiftShader = { vendor: 'google', architecture: 'swiftshader', device: 'subzero',
      description: 'SwiftShader driver 5.0.0', isFallbackAdapter: true };
    expect(describeAdapter(swiftShader))
      .toEqual({ label: 'SwiftShader driver 5.0.0 (google/swiftshader/subzero)', software: true });
    const h200 = { vendor: 'nvidia', architecture: 'hopper', description: 'NVIDIA H200' };
    expect(describeAdapter(h200))
      .toEqual({ label: 'NVIDIA H200 (nvidia/hopper)', software: false });
    const llvmpipe = { vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' };
    expect(describeAdapter(llvmpipe).software).toBe(true);
    expect(describeAdapter({ vendor: 'x', isFallbackAdapter: true }).software).toBe(true);
    expect(describeAdapter({}).label).toBe('(no adapter info)');
  });
});

it('fails clearly when webgpu is forced and Dawn finds no adapter (no driver listed)', () => {
  // A fresh process: the adapter search runs once per process.
  const script = "const { initBackend } = await import('@robustjs/core');" +
    "await initBackend('webgpu').catch((e) => console.log(e.code + ' ' + e.message));";
  const args = ['--conditions=@robustjs/source', '--import', 'tsx', '--input-type=module', '-e',
    script];
  const icds = '/nonexistent/robustjs_icd.json';
  const env = { ...process.env, VK_ICD_FILENAMES: icds, ROBUSTJS_BACKEND: '' };
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  expect(r.stdout).toMatch(
    /^BACKEND_UNAVAILABLE Backend 'webgpu' requested by 'initBackend\(preference\)' cannot/);
  expect(r.stdout).toMatch(/webgpu: Dawn found no WebGPU adapter: install libvulkan1 /);
  expect(r.stdout).toMatch(/VK_ICD_FILENAMES .*\/nonexistent\/robustjs_icd\.json/);
});

/** Whether this Linux machine has a GPU device node (else the default order does not load Dawn). */
const gpuDeviceNode = (existsSync('/dev/dri') &&
  readdirSync('/dev/dri').some((f) => f.startsWith('renderD'))) ||
  readdirSync('/dev').some((f) => /^nvidia\d+$/.test(f));

// CI installs chromium (SwiftShader) and libvulkan1, so this suite runs there.
const swiftShaderHere = icd !== undefined && userIcd === undefined;
describe.runIf(swiftShaderHere)('webgpu in Node over SwiftShader', () => {
  it('is reported, not used, by the default order: software only when forced', async () => {
    const saved = process.env.ROBUSTJS_BACKEND;
    delete process.env.ROBUSTJS_BACKEND;
    try {
      const info = await initBackend();
      const webgpu = info.tried.find((t) => t.name === 'webgpu');
      expect(webgpu?.ok).toBe(false);
      // the webgpu run forced webgpu before this test, so Dawn was looked at already in this process
      if (gpuDeviceNode || saved === 'webgpu') {
        expect(webgpu?.software).toBe(true);
        expect(webgpu?.adapter).toMatch(/swiftshader/i);
        expect(webgpu?.reason)
          .toMatch(/only a software adapter was found, .*used only when forced \(ROBUSTJS_BACKEND=/);
      } else {
        // no GPU here: Dawn is not even loaded (it would print Mesa's warnings), and says how to force it
        expect(webgpu?.adapter).toBeUndefined();
        expect(webgpu?.reason).toBe('no GPU device node (/dev/dri/renderD*, /dev/nvidia*), so Dawn ' +
          'was not loaded; ROBUSTJS_BACKEND=webgpu forces it');
      }
    } finally {
      if (saved !== undefined) process.env.ROBUSTJS_BACKEND = saved;
    }
  });

  it("comes up on SwiftShader when forced, VK_ICD_FILENAMES naming Chromium's", async () => {
    const info = await initBackend('webgpu');
    expect(info.name).toBe('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    const adapter = expect.stringMatching(/SwiftShader/) as string;
    expect(info.tried).toEqual([{ name: 'webgpu', ok: true, adapter, software: true }]);
    expect(process.env.VK_ICD_FILENAMES).toBe(icd);
  });

  it('reads synchronously (dataSync, arraySync) float32, int32 and bool, without leaks', () => {
    const [f, i, b] = expectNoLeak(() => tf.tidy(() => {
      const x = tf.tensor2d([[1, 2], [3, 4]]);
      const y = tf.matMul(x, x); // computed on the GPU
      const ints = tf.cast(tf.mul(y, 2), 'int32').arraySync();
      return [y.dataSync().slice(), ints, tf.greater(y, 12).dataSync().slice()];
    }));
    expect(Array.from(f as Float32Array)).toEqual([7, 10, 15, 22]);
    expect(i).toEqual([[14, 20], [30, 44]]);
    expect(Array.from(b as Uint8Array)).toEqual([0, 0, 1, 1]);
  });

  it('matches wasm on a 64×64 matmul to 1e-5, moving a tensor there and back', async () => {
    const a = tf.randomNormal([64, 64], 0, 1, 'float32', 3);
    const gpu = tf.tidy(() => tf.matMul(a, a).dataSync().slice());
    expect(await tf.setBackend('wasm')).toBe(true);
    const wasm = tf.tidy(() => tf.matMul(a, a).dataSync().slice());
    expect(await tf.setBackend('webgpu')).toBe(true);
    expectClose(gpu, wasm, 1e-5, 'matMul webgpu vs wasm');
    a.dispose();
  });

  it('convolves (direct Conv2D) and back-propagates like wasm (1e-5), no leaks', async () => {
    const x = tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const w = tf.randomNormal([3, 3, 3, 5], 0, 1, 'float32', 5) as tf.Tensor4D;
    const run = (): Float32Array[] => tf.tidy(() => {
      const same = tf.conv2d(x, w, 1, 'same');
      const strided = tf.conv2d(x, w, [2, 2], 'valid', 'NHWC', [1, 1]);
      const dilated = tf.conv2d(x, w, 1, 'same', 'NHWC', [2, 2]);
      const loss = (a: tf.Tensor, b: tf.Tensor): tf.Scalar =>
        tf.sum(tf.square(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')));
      const g = tf.grads(loss)([x, w]);
      return [same, strided, dilated, ...g].map((t) => t.dataSync().slice() as Float32Array);
    });
    const gpu = expectNoLeak(run);
    expect(gpu.map((v) => v.length)).toEqual([810, 160, 810, 486, 135]);
    expect(await tf.setBackend('wasm')).toBe(true);
    const wasm = run();
    expect(await tf.setBackend('webgpu')).toBe(true);
    gpu.forEach((v, i) => expectClose(v, wasm[i]!, 1e-5, `conv case ${i}, webgpu vs wasm`));
    tf.dispose([x, w]);
  });

  it('multiplies (direct BatchMatMul) like wasm (1e-5): transposes, batch, broadcast', async () => {
    const a = tf.randomNormal([3, 5, 7], 0, 1, 'float32', 6);
    const b = tf.randomNormal([3, 7, 4], 0, 1, 'float32', 7);
    const run = (): Float32Array[] => tf.tidy(() => [
      tf.matMul(a, b),
      tf.matMul(a, tf.transpose(b, [0, 2, 1]), false, true),
      tf.matMul(tf.transpose(a, [0, 2, 1]), b, true, false),
      tf.matMul(a, tf.slice(b, [0, 0, 0], [1, 7, 4])), // [3,5,7]·[1,7,4]: B broadcast
      tf.matMul(tf.reshape(a, [15, 7]), tf.reshape(tf.slice(b, 0, 1), [7, 4])),
      tf.grad((x: tf.Tensor) => tf.sum(tf.square(tf.matMul(x, b))))(a),
    ].map((t) => t.dataSync().slice() as Float32Array));
    const gpu = expectNoLeak(run);
    expect(gpu.map((v) => v.length)).toEqual([60, 60, 60, 60, 60, 105]);
    expect(await tf.setBackend('wasm')).toBe(true);
    const wasm = run();
    expect(await tf.setBackend('webgpu')).toBe(true);
    gpu.forEach((v, i) => expectClose(v, wasm[i]!, 1e-5, `matMul case ${i}, webgpu vs wasm`));
    tf.dispose([a, b]);
  });
});
