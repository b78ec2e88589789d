import * as tf from '@tensorflow/tfjs';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { encodeSafetensorsSync, parseSafetensors } from '@robustjs/core';
import { describe, expect, it } from 'vitest';
import { cleanImages, take, tinyDenoiser, useWasm } from '../test/fixtures';
import { DENOISER_DEFAULTS, Denoiser } from './index';

useWasm();

describe('Denoiser', () => {
  it('maps [N,28,28,1] to [N,28,28,1] with the fmnist preset and starts as the identity (zero final conv)', () => {
    const g = new Denoiser();
    expect(g.config.channels).toEqual([16, 32, 64, 64]);
    expect(g.parameterCount).toBeGreaterThan(250_000);
    expect(g.parameterCount * 4).toBeLessThan(1_300_000);
    const x = tf.randomUniform([2, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const diff = expectNoLeak(() => tf.tidy(() => {
      const out = g.apply(x);
      expect(out.shape).toEqual([2, 28, 28, 1]);
      return take(tf.max(tf.abs(tf.sub(out, x))));
    }));
    expect(diff).toBe(0);
    x.dispose();
    g.dispose();
  });

  it('handles odd sizes (ceil division, cropped upsampling) and is differentiable with respect to its input', () => {
    const g = new Denoiser({ inputShape: [7, 7, 3], channels: [4, 8, 8], forwardBlocks: [1, 2, 1], backwardBlocks: [2, 1] });
    const x = tf.randomUniform([2, 7, 7, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
    tf.tidy(() => {
      // A non-zero final conv so the UNet path contributes.
      const w = g.trainableVariables().at(-1) as tf.Variable;
      w.assign(tf.randomNormal(w.shape, 0, 0.1, 'float32', 5));
    });
    const norm = expectNoLeak(() => tf.tidy(() => {
      const grad = tf.grad((xx: tf.Tensor) => tf.sum(tf.square(g.apply(xx as tf.Tensor4D))))(x);
      expect(grad.shape).toEqual([2, 7, 7, 3]);
      return take(tf.sum(tf.abs(grad)));
    }));
    expect(Number.isFinite(norm) && norm > 0).toBe(true);
    x.dispose();
    g.dispose();
  });

  it('training mode uses batch statistics and commitBatchStatistics moves the running ones', () => {
    const g = tinyDenoiser(1);
    const { x, y } = cleanImages(6, 3);
    tf.tidy(() => {
      const w = g.trainableVariables().at(-1) as tf.Variable;
      w.assign(tf.randomNormal(w.shape, 0, 0.1, 'float32', 5));
    });
    const before = tf.tidy(() => take(tf.sum(g.apply(x))));
    expectNoLeak(() => {
      tf.dispose(g.apply(x, { training: true }));
      g.commitBatchStatistics();
    });
    const after = tf.tidy(() => take(tf.sum(g.apply(x))));
    expect(after).not.toBeCloseTo(before, 6);
    const bytes = g.save();
    const reloaded = Denoiser.load(bytes);
    const [a, b] = tf.tidy(() => [take(tf.sum(g.apply(x))), take(tf.sum(reloaded.apply(x)))]);
    expect(a).toBeCloseTo(b as number, 5);
    expect(reloaded.config).toEqual(g.config);
    tf.dispose([x, y]);
    g.dispose();
    reloaded.dispose();
  });

  it('rejects bad options, corrupt files, another architecture and wrongly sized images with RobustErrors', () => {
    expect(expectRobustError(() => new Denoiser({ channels: [16] })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => new Denoiser({ channels: [8, 8], forwardBlocks: [1, 1], backwardBlocks: [1, 1] })).message).toMatch(/backwardBlocks/);
    expect(expectRobustError(() => new Denoiser({ chanels: [8, 8] } as never)).code).toBe('UNKNOWN_OPTION');
    expect(expectRobustError(() => Denoiser.load(new Uint8Array([1, 2, 3]))).code).toBe('CORRUPT_FILE');
    const g = tinyDenoiser();
    const other = new Denoiser({ ...DENOISER_DEFAULTS, channels: [4, 8, 8, 8], inputShape: [8, 8, 1] });
    expect(expectRobustError(() => g.copyFrom(other)).code).toBe('SHAPE_MISMATCH');
    const x = tf.zeros([1, 9, 9, 1]) as tf.Tensor4D;
    const e = expectRobustError(() => g.denoise(x));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/\[N,8,8,1\]/);
    tf.dispose([x]);
    g.dispose();
    other.dispose();
  });

  it('load wraps a config that is not JSON, or not an options object, into CORRUPT_FILE with the cause, creating no tensor', () => {
    for (const config of ['{not json', '7', 'null']) {
      const bytes = encodeSafetensorsSync({}, { format: 'robustjs-dad-denoiser', config });
      const e = expectNoLeak(() => expectRobustError(() => Denoiser.load(bytes, 'd.safetensors')));
      expect(e.code).toBe('CORRUPT_FILE');
      expect(e.message).toContain("'d.safetensors'");
      expect(e.message).toContain('config');
      if (config === '{not json') expect(e.cause).toBeInstanceOf(SyntaxError);
    }
  });

  // A tiny file declaring a million blocks is CORRUPT_FILE at once (fuzz safetensors #88).
  it('load checks the config against the tensors present before building anything', () => {
    const small = {
      inputShape: [4, 4, 1] as const, channels: [2, 4], forwardBlocks: [1, 1], backwardBlocks: [1],
    };
    const g = new Denoiser(small);
    const { tensors } = parseSafetensors(g.save());
    g.dispose();
    const configs = [
      { ...small, forwardBlocks: [1_048_576, 1] },
      { ...small, channels: [2, 1_000_000] },
      { ...small, backwardBlocks: [2] },
    ];
    for (const config of configs) {
      const metadata = { format: 'robustjs-dad-denoiser', config: JSON.stringify(config) };
      const bytes = encodeSafetensorsSync(tensors, metadata);
      const t0 = Date.now();
      const e = expectNoLeak(() => expectRobustError(() => Denoiser.load(bytes, 'd.safetensors')));
      expect(Date.now() - t0).toBeLessThan(2000);
      expect(e.code).toBe('CORRUPT_FILE');
      expect(e.message)
        .toMatch(/'Denoiser.load' cannot use 'd.safetensors': its config (needs tensor|describes)/);
    }
  });
});
