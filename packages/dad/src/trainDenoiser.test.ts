import * as tf from '@tensorflow/tfjs';
import { expectRobustErrorAsync } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { cleanImages, shifted, take, tinyClassifier, tinyDenoiser, tinyDetector, useWasm } from '../test/fixtures';
import { kernelFromDetector, trainDenoiser, type TrainDenoiserCheckpoint } from './index';

useWasm();

describe('trainDenoiser', () => {
  it('lowers the loss, resumes from a checkpoint to the same weights, and leaks nothing', async () => {
    const fix = await tinyDetector();
    const kernel = await kernelFromDetector(fix.detector);
    const { classifier, dispose } = tinyClassifier();
    const { x, y } = cleanImages(40, 21);
    const adv = shifted(x, 22);
    const data = { clean: x, adversarial: adv, labels: y };
    const opts = { epochs: 4, batchSize: 10, learningRate: 1e-2, decayAt: 0.5, seed: 3 } as const;
    const before = tf.memory().numTensors;
    const checkpoints: TrainDenoiserCheckpoint[] = [];
    const g1 = tinyDenoiser(7);
    const history = await trainDenoiser(g1, data, { kernel, classifier }, { ...opts, onEpochEnd: (c) => { checkpoints.push(c); } });
    expect(history.map((h) => h.epoch)).toEqual([0, 1, 2, 3]);
    expect(history.map((h) => h.learningRate)).toEqual([1e-2, 1e-2, 1e-3, 1e-3]);
    expect(history.every((h) => Number.isFinite(h.loss) && h.mmd >= -1e-6 && h.ce >= 0)).toBe(true);
    expect((history[3] as { loss: number }).loss).toBeLessThan((history[0] as { loss: number }).loss);
    expect(checkpoints.map((c) => c.epoch)).toEqual([1, 2, 3, 4]);

    const g2 = tinyDenoiser(99); // other initial weights: all state comes from the checkpoint
    const resumed = await trainDenoiser(g2, data, { kernel, classifier }, { ...opts, resume: checkpoints[1] as TrainDenoiserCheckpoint });
    expect(resumed.length).toBe(4);
    const diff = tf.tidy(() => take(tf.max(tf.abs(tf.sub(g1.apply(adv), g2.apply(adv))))));
    expect(diff).toBeLessThan(1e-5);
    g1.dispose();
    g2.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y, adv]);
    kernel.dispose();
    dispose();
    fix.dispose();
  });

  it('rejects too little data, unequal sizes and bad options before training', async () => {
    const fix = await tinyDetector();
    const kernel = await kernelFromDetector(fix.detector);
    const { classifier, dispose } = tinyClassifier();
    const { x, y } = cleanImages(8, 1);
    const g = tinyDenoiser();
    const parts = { kernel, classifier };
    expect((await expectRobustErrorAsync(() => trainDenoiser(g, { clean: x, adversarial: x, labels: y }, parts, { batchSize: 10 }))).message).toMatch(/at least batchSize = 10/);
    const short = tf.slice(x, 0, 4) as tf.Tensor4D;
    expect((await expectRobustErrorAsync(() => trainDenoiser(g, { clean: x, adversarial: short, labels: y }, parts, { batchSize: 2 }))).code).toBe('SHAPE_MISMATCH');
    expect((await expectRobustErrorAsync(() => trainDenoiser(g, { clean: x, adversarial: x, labels: y }, parts, { epoch: 2 } as never))).code).toBe('UNKNOWN_OPTION');
    tf.dispose([x, y, short]);
    g.dispose();
    kernel.dispose();
    dispose();
    fix.dispose();
  });
});
