import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeSafetensorsSync } from '@robustjs/core';
import { expectNoLeakAsync, expectRobustErrorAsync } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { useWasm } from '../test/helpers';
import { disposeCheckpoint, loadCheckpoint, loadUnet, saveCheckpoint, saveUnet } from './node';
import { linearSchedule } from './schedule';
import { trainDiffusion, type TrainingImages, type TrainProgress } from './train';
import { createUnet } from './unet/unet';

useWasm();

/** 64 synthetic 28×28 images: a bright square at one of 4 positions. */
function squares(): TrainingImages {
  const n = 64;
  const images = new Uint8Array(n * 28 * 28);
  for (let i = 0; i < n; i++) {
    const ox = 4 + (i % 2) * 12;
    const oy = 4 + (Math.floor(i / 2) % 2) * 12;
    for (let y = oy; y < oy + 8; y++) for (let x = ox; x < ox + 8; x++) images[i * 784 + y * 28 + x] = 255;
  }
  return { images, shape: [n, 28, 28, 1] };
}

describe('trainDiffusion', () => {
  const schedule = linearSchedule();

  it('the epsilon loss falls; progress is reported; no tensors leak', async () => {
    const unet = createUnet({ preset: 'tiny', seed: 1 });
    const progress: TrainProgress[] = [];
    const before = tf.memory().numTensors;
    const result = await trainDiffusion(unet, squares(), schedule, {
      steps: 40, batchSize: 12, learningRate: 3e-3, warmupSteps: 5, tMax: 300, seed: 2, progressEvery: 20,
      onProgress: (p) => progress.push(p),
    });
    const first = result.losses.slice(0, 5).reduce((a, b) => a + b, 0) / 5;
    const last = result.losses.slice(-10).reduce((a, b) => a + b, 0) / 10;
    expect(first).toBeGreaterThan(0.7);
    expect(last).toBeLessThan(0.6 * first);
    expect(progress.map((p) => p.step)).toEqual([20, 40]);
    expect(progress[1]!.imagesPerSecond).toBeGreaterThan(0);
    tf.dispose(Object.values(result.ema));
    expect(tf.memory().numTensors).toBe(before);
    unet.dispose();
  });

  it('checkpoint + resume reproduces an uninterrupted run exactly; files round-trip', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'robustjs-diffusion-'));
    const opts = { batchSize: 8, learningRate: 1e-3, warmupSteps: 2, tMax: 200, seed: 4 } as const;
    const a = createUnet({ preset: 'tiny', seed: 7 });
    const full = await trainDiffusion(a, squares(), schedule, { ...opts, steps: 8 });
    const b = createUnet({ preset: 'tiny', seed: 7 });
    const path = join(dir, 'ckpt.safetensors');
    const half = await trainDiffusion(b, squares(), schedule, {
      ...opts, steps: 4, checkpointEvery: 4, onCheckpoint: (c) => saveCheckpoint(c, path),
    });
    tf.dispose(Object.values(half.ema));
    b.dispose();
    const resume = await loadCheckpoint(path);
    expect(resume.step).toBe(4);
    const c = createUnet({ preset: 'tiny', seed: 99 });
    const rest = await trainDiffusion(c, squares(), schedule, { ...opts, steps: 8, resume });
    disposeCheckpoint(resume);
    expect(rest.losses).toEqual(full.losses.slice(4));
    const wa = a.getWeights();
    const wc = c.getWeights();
    for (const k of Object.keys(wa)) expect(Array.from(wc[k]!.dataSync())).toEqual(Array.from(wa[k]!.dataSync()));
    for (const k of Object.keys(full.ema)) expect(Array.from(rest.ema[k]!.dataSync())).toEqual(Array.from(full.ema[k]!.dataSync()));
    await saveUnet(c, join(dir, 'unet.safetensors'));
    const loaded = await loadUnet(join(dir, 'unet.safetensors'));
    expect(loaded.paramCount).toBe(c.paramCount);
    const bad = await loadCheckpoint(path);
    const other = createUnet({ preset: 'tiny', seed: 1 });
    expect((await expectRobustErrorAsync(() => trainDiffusion(other, squares(), schedule, { ...opts, seed: 5, steps: 8, resume: bad }))).code)
      .toBe('INVALID_ARGUMENT');
    disposeCheckpoint(bad);
    tf.dispose([...Object.values(wa), ...Object.values(wc), ...Object.values(full.ema), ...Object.values(rest.ema)]);
    [a, c, loaded, other].forEach((m) => m.dispose());
    expect((await expectRobustErrorAsync(() => loadUnet(join(dir, 'missing.safetensors')))).code).toBe('NOT_FOUND');
  });

  it('decayStart: a constant-rate checkpoint resumes into the decaying run exactly; the rate decays; mismatched decays are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'robustjs-diffusion-decay-'));
    const opts = { batchSize: 8, learningRate: 2e-3, warmupSteps: 2, tMax: 200, seed: 6 } as const;
    const a = createUnet({ preset: 'tiny', seed: 3 });
    const full = await trainDiffusion(a, squares(), schedule, { ...opts, steps: 8, decayStart: 4 });
    const flat = createUnet({ preset: 'tiny', seed: 3 });
    const constant = await trainDiffusion(flat, squares(), schedule, { ...opts, steps: 8 });
    // same first 4 steps (the rate before decayStart does not depend on it), then other numbers
    expect(full.losses.slice(0, 5)).toEqual(constant.losses.slice(0, 5));
    expect(full.losses.slice(5)).not.toEqual(constant.losses.slice(5));
    const b = createUnet({ preset: 'tiny', seed: 3 });
    const path = join(dir, 'ckpt.safetensors');
    const half = await trainDiffusion(b, squares(), schedule, { ...opts, steps: 4, checkpointEvery: 4, onCheckpoint: (c) => saveCheckpoint(c, path) });
    const resume = await loadCheckpoint(path);
    const c = createUnet({ preset: 'tiny', seed: 50 });
    const rest = await trainDiffusion(c, squares(), schedule, { ...opts, steps: 8, decayStart: 4, resume });
    expect(rest.losses).toEqual(full.losses.slice(4));
    const wa = a.getWeights();
    const wc = c.getWeights();
    for (const k of Object.keys(wa)) expect(Array.from(wc[k]!.dataSync())).toEqual(Array.from(wa[k]!.dataSync()));
    // a checkpoint taken inside the decay only resumes with the same decay
    const decayed = join(dir, 'decayed.safetensors');
    const d = createUnet({ preset: 'tiny', seed: 3 });
    const part = await trainDiffusion(d, squares(), schedule, { ...opts, steps: 8, decayStart: 4, checkpointEvery: 6, onCheckpoint: (ck) => (ck.step === 6 ? saveCheckpoint(ck, decayed) : undefined) });
    const inside = await loadCheckpoint(decayed);
    expect(inside.step).toBe(6);
    const e = createUnet({ preset: 'tiny', seed: 3 });
    for (const bad of [{ steps: 10, decayStart: 4 }, { steps: 8, decayStart: 5 }, { steps: 8, decayStart: -1 }]) {
      expect((await expectRobustErrorAsync(() => trainDiffusion(e, squares(), schedule, { ...opts, ...bad, resume: inside }))).message).toMatch(/decayStart/);
    }
    // and a constant-rate checkpoint cannot resume into a decay that started before it
    expect((await expectRobustErrorAsync(() => trainDiffusion(e, squares(), schedule, { ...opts, steps: 8, decayStart: 2, resume }))).message).toMatch(/decayStart 2/);
    expect((await expectRobustErrorAsync(() => trainDiffusion(e, squares(), schedule, { ...opts, steps: 8, decayStart: 8 }))).code).toBe('OUT_OF_RANGE');
    disposeCheckpoint(resume);
    disposeCheckpoint(inside);
    tf.dispose([...Object.values(wa), ...Object.values(wc), ...[full, constant, half, rest, part].flatMap((r) => Object.values(r.ema))]);
    [a, flat, b, c, d, e].forEach((m) => m.dispose());
  });

  it('bad input: data of another size, tMax beyond T, unknown options', async () => {
    const unet = createUnet({ preset: 'tiny' });
    const wrong = { images: new Uint8Array(2 * 32 * 32), shape: [2, 32, 32, 1] };
    expect((await expectRobustErrorAsync(() => trainDiffusion(unet, wrong, schedule))).code).toBe('SHAPE_MISMATCH');
    expect((await expectRobustErrorAsync(() => trainDiffusion(unet, squares(), schedule, { tMax: 2000 }))).code).toBe('OUT_OF_RANGE');
    expect((await expectRobustErrorAsync(() => trainDiffusion(unet, squares(), schedule, { epochs: 3 } as never))).code).toBe('UNKNOWN_OPTION');
    unet.dispose();
  });

  it('loadCheckpoint wraps settings that are not a JSON object into CORRUPT_FILE with the cause, leaving no tensor alive', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'robustjs-ckpt-'));
    for (const [i, settings] of ['{not json', '[1]'].entries()) {
      const path = join(dir, `bad${i}.safetensors`);
      writeFileSync(path, encodeSafetensorsSync(
        { 'w/a': { dtype: 'float32', shape: [1], data: new Float32Array([1]) } },
        { format: 'robustjs-diffusion-checkpoint', step: '1', smoothedLoss: '0.5', settings },
      ));
      await expectNoLeakAsync(async () => {
        const e = await expectRobustErrorAsync(() => loadCheckpoint(path));
        expect(e.code).toBe('CORRUPT_FILE');
        expect(e.message).toContain(path);
        expect(e.message).toContain('settings');
        if (i === 0) expect(e.cause).toBeInstanceOf(SyntaxError);
      });
    }
  });
});
