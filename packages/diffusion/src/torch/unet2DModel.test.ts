import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { importTorchTensors } from '@robustjs/core';
import { readTorchCheckpoint } from '@robustjs/core/node';
import {
  describeEachBackend,
  expectNoLeak,
  expectRobustError,
  relativeError,
} from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { diffusersUnetParams } from './diffusersUnetParams';
import { unet2DModel, type Unet2DModel } from './unet2DModel';

// Fixtures of bench/torch_archs/unet2d.py (our PyTorch reference of diffusers' UNet2DModel):
// random weights, inputs x [2,8,8,3], timesteps t [2] and PyTorch's output eps [2,8,8,3] (NHWC).
const FIXTURES = join(__dirname, '../../test/fixtures/unet2d');

async function fixture(name: string): Promise<{ model: Unet2DModel; ref: tf.NamedTensorMap }> {
  const dir = join(FIXTURES, name);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const raw = await readTorchCheckpoint(join(dir, 'diffusion_pytorch_model.safetensors'));
  const naming = name === 'ddpm-like' ? 'legacy' : 'current';
  const expected = diffusersUnetParams(config, naming);
  const w = importTorchTensors(raw, expected, { file: dir, architecture: 'UNet2DModel' });
  tf.dispose(raw);
  const weights: tf.NamedTensorMap = {};
  diffusersUnetParams(config).forEach((p, i) => {
    weights[p.name] = w[expected[i]!.name]!;
  });
  return {
    model: unet2DModel(config, weights),
    ref: await readTorchCheckpoint(join(dir, 'reference.safetensors')),
  };
}

describeEachBackend('unet2DModel', () => {
  it.each([
    // ddpm-like: google/ddpm-cifar10-32's settings (padding 0, [sin, cos], shift 1, one head,
    // legacy names); multihead: current names, heads of 8, padding 1, [cos, sin], mid-block
    // scale 2, centred input
    ['ddpm-like', 45259],
    ['multihead', 41451],
  ] as const)('%s: equals the PyTorch reference to 1e-4 relative, tidy', async (name, count) => {
    const { model, ref } = await fixture(name);
    expect(model.paramCount).toBe(count);
    const before = tf.memory().numTensors;
    const eps = model.predict(ref.x as tf.Tensor4D, ref.t as tf.Tensor1D);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(eps.shape).toEqual([2, 8, 8, 3]);
    const err = relativeError(eps.dataSync(), ref.eps!.dataSync());
    expect(err).toBeLessThan(1e-4);
    // per-sample timesteps: swapping t changes each sample's output
    const swapped = model.predict(ref.x as tf.Tensor4D, tf.reverse(ref.t!) as tf.Tensor1D);
    expect(relativeError(swapped.dataSync(), eps.dataSync())).toBeGreaterThan(1e-3);
    tf.dispose([eps, swapped, ...Object.values(ref)]);
    model.dispose();
  });

  it('is differentiable in xt (finite gradient of the input shape), without leaks', async () => {
    const { model, ref } = await fixture('ddpm-like');
    const g = expectNoLeak(() => {
      const grad = tf.grad((x: tf.Tensor) =>
        tf.sum(tf.square(model.predict(x as tf.Tensor4D, ref.t as tf.Tensor1D)))
      );
      const gx = grad(ref.x!);
      const [finite, norm] = tf.tidy(() => [
        tf.all(tf.isFinite(gx)).dataSync()[0],
        tf.norm(gx).dataSync()[0],
      ]);
      const out = { shape: gx.shape, finite, norm };
      gx.dispose();
      return out;
    });
    expect(g.shape).toEqual([2, 8, 8, 3]);
    expect(g.finite).toBe(1);
    expect(g.norm).toBeGreaterThan(0);
    tf.dispose(Object.values(ref));
    model.dispose();
  });
});

describe('unet2DModel input checks', () => {
  it('refuses xt: other channels or size not a multiple of 2^(L−1); t: other length', async () => {
    const { model, ref } = await fixture('multihead');
    const t = tf.tensor1d([1, 2], 'int32');
    expect(expectRobustError(() => model.predict(tf.zeros([2, 8, 8, 1]), t)).message).toMatch(
      /\[N,H,W,3\]/
    );
    expect(expectRobustError(() => model.predict(tf.zeros([2, 9, 8, 3]), t)).message).toMatch(
      /divisible by 2/
    );
    expect(
      expectRobustError(() => model.predict(tf.zeros([2, 8, 8, 3]), tf.tensor1d([1]))).code
    ).toBe('SHAPE_MISMATCH');
    tf.dispose([t, ...Object.values(ref)]);
    model.dispose();
  });

  it('names a missing, mis-shaped or unexpected weight', () => {
    const config = JSON.parse(
      readFileSync(join(FIXTURES, 'multihead', 'config.json'), 'utf8')
    ) as Record<string, unknown>;
    const params = diffusersUnetParams(config);
    const tfShape = (s: readonly number[]): number[] =>
      s.length === 4 ? [s[2]!, s[3]!, s[1]!, s[0]!] : s.length === 2 ? [s[1]!, s[0]!] : [...s];
    const full = (): tf.NamedTensorMap =>
      Object.fromEntries(params.map((p) => [p.name, tf.zeros(tfShape(p.shape))]));
    const missing = full();
    tf.dispose(missing['conv_out.bias']!);
    delete missing['conv_out.bias'];
    const e1 = expectRobustError(() => unet2DModel(config, missing));
    expect([e1.code, e1.message.includes("'conv_out.bias'")]).toEqual(['NOT_FOUND', true]);
    const wrong = full();
    tf.dispose(wrong['conv_in.weight']!);
    wrong['conv_in.weight'] = tf.zeros([8, 3, 3, 3]); // PyTorch layout instead of HWIO
    const e2 = expectRobustError(() => unet2DModel(config, wrong));
    expect([e2.code, e2.message.includes("'conv_in.weight'")]).toEqual(['SHAPE_MISMATCH', true]);
    const extra = full();
    extra['class_embedding.weight'] = tf.zeros([10, 24]);
    const e3 = expectRobustError(() => unet2DModel(config, extra));
    expect([e3.code, e3.message.includes('class_embedding.weight')]).toEqual([
      'INVALID_ARGUMENT',
      true,
    ]);
    tf.dispose([...Object.values(missing), ...Object.values(wrong), ...Object.values(extra)]);
  });
});
