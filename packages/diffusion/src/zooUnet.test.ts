import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { modelsDir } from '@robustjs/zoo/node';
import { describe, expect, it } from 'vitest';
import { useWasm } from '../test/helpers';
import { loadUnet } from './node';
import { toDiffusionRange } from './qSample';
import { linearSchedule } from './schedule';

useWasm();

interface UnetManifest {
  command: string;
  parameters: number;
  trainingTimeSeconds: number;
  metrics: { x0AtT100: { ratioNoisyToPredicted: number }; diffPureT100Steps20: { gainDb: number; psnrPurifiedDb: number; psnrNoisyInputDb: number } };
  files: { path: string; bytes: number; sha256: string }[];
}

describe('the shipped Fashion-MNIST UNet (packages/zoo/models/unet)', () => {
  const dir = join(modelsDir(), 'unet');
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as UnetManifest;

  it('files match the manifest (sha256, size); the command and training time are recorded', () => {
    for (const f of manifest.files) {
      const bytes = readFileSync(join(modelsDir(), f.path));
      expect(bytes.length).toBe(f.bytes);
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
    }
    expect(manifest.command).toMatch(/^npm run train:diffusion -- /);
    expect(manifest.trainingTimeSeconds).toBeLessThanOrEqual(3600);
    expect(manifest.metrics.x0AtT100.ratioNoisyToPredicted).toBeGreaterThanOrEqual(4);
    // the recorded DiffPure figure (1,000 images, `npm run evaluate -w @robustjs/diffusion`): ≥ 6 dB over the noisy input
    const dp = manifest.metrics.diffPureT100Steps20;
    expect(dp.gainDb).toBeCloseTo(dp.psnrPurifiedDb - dp.psnrNoisyInputDb, 6);
    expect(dp.gainDb).toBeGreaterThanOrEqual(6);
  });

  it('predicts x0 at t = 100 with at least 4× lower MSE than the noisy input (100 test images)', async () => {
    const unet = await loadUnet(join(dir, 'unet.safetensors'));
    expect(unet.paramCount).toBe(manifest.parameters);
    const schedule = linearSchedule();
    const test = await loadFashionMnist({ split: 'test' });
    const { x, y } = toTensors(test, Array.from({ length: 100 }, (_, i) => 9900 + i));
    const ab = schedule.alphasCumprod[99]!;
    const [pred, noisy] = tf.tidy(() => {
      const u0 = toDiffusionRange(x);
      const ut = tf.add(tf.mul(u0, Math.sqrt(ab)), tf.mul(tf.randomNormal(u0.shape, 0, 1, 'float32', 3), Math.sqrt(1 - ab))) as tf.Tensor4D;
      const eps = unet.predict(ut, tf.fill([100], 99, 'int32') as tf.Tensor1D);
      const x0 = tf.div(tf.sub(ut, tf.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
      return [tf.mean(tf.squaredDifference(x0, u0)).dataSync()[0]!, tf.mean(tf.squaredDifference(ut, u0)).dataSync()[0]!];
    });
    expect(noisy / pred).toBeGreaterThanOrEqual(4);
    tf.dispose([x, y]);
    unet.dispose();
  });
});
