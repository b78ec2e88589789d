import * as tf from '@tensorflow/tfjs';
import '@robustjs/core/register';
import type { Classifier, Images } from '@robustjs/core';
import { Denoiser } from '@robustjs/dad';
import { MmdDetector } from '@robustjs/mmd';
import { useWasm } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunContext } from '../context';
import { CliError } from '../errors';
import { PROTOCOL_DEFAULTS, type Protocol } from '../protocol';
import { createDefense } from './defenses';

/** A run context with tiny DAD parts (8×8×1 images, a detector fitted for 2 steps, θ from the "manifest" at the protocol's batch size). */
async function dadContext(): Promise<{ context: RunContext; dispose: () => void }> {
  const w = tf.tidy(() => tf.variable(tf.randomNormal([64, 2], 0, 0.5, 'float32', 3), false));
  const classifier: Classifier = (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0], 64]), w) as tf.Tensor2D);
  const denoiser = new Denoiser({ inputShape: [8, 8, 1], channels: [4, 8, 8], forwardBlocks: [1, 1, 1], backwardBlocks: [1, 1], seed: 4 });
  const detector = new MmdDetector(undefined, { referenceSize: 4, steps: 2 });
  const clean = tf.randomUniform([8, 8, 8, 1], 0, 1, 'float32', 5) as Images;
  const noisy = tf.tidy(() => tf.clipByValue(tf.add(clean, tf.randomUniform(clean.shape, -0.2, 0.2, 'float32', 6)), 0, 1)) as Images;
  await detector.fit(clean, noisy);
  tf.dispose([clean, noisy]);
  const protocol = { ...PROTOCOL_DEFAULTS, images: 8, batchSize: 4, defenses: [] } as unknown as Protocol;
  const parts = { detector, denoiser, threshold: { value: 0.5, batchSize: 4, fpr: 0.01 }, dir: '/models/dad' };
  const context = {
    protocol, classifier, progress: undefined,
    dad: async () => parts,
    shared: async () => { throw new Error('no calibration expected'); },
  } as unknown as RunContext;
  return { context, dispose: () => { w.dispose(); denoiser.dispose(); detector.dispose(); } };
}

useWasm();

describe("the 'dad' defense entry", () => {
  let context: RunContext;
  let dispose = (): void => {};
  beforeAll(async () => {
    ({ context, dispose } = await dadContext());
  });
  afterAll(() => dispose());
  const thresholdFrom = 'manifest (/models/dad): fpr 0.01 at batch size 4';

  it("builds the routing defense by default, as before (label 'DAD', θ from the manifest, three objectives)", async () => {
    const defense = await createDefense({ name: 'dad' }, context, 'defenses[0]');
    expect(defense.describe()).toMatchObject({
      label: 'DAD', kind: 'dad',
      settings: { mode: 'routing', threshold: 0.5, noiseStd: 0.25, minBatchSize: 4, objectives: ['detect', 'evade', 'threshold'], thresholdFrom, batchSize: 4 },
    });
    expect(defense.surface.recommendedAttacks).toEqual([{ name: 'dad-adaptive', objectives: ['detect', 'evade', 'threshold'] }]);
    const same = await createDefense({ name: 'dad', mode: 'routing' }, context, 'defenses[0]');
    expect(same.describe()).toEqual(defense.describe());
  });

  it("builds the always-denoise defense with mode 'always-denoise': per image, pgd-eot, the library's label", async () => {
    const defense = await createDefense({ name: 'dad', mode: 'always-denoise', noiseStd: 0.1 }, context, 'defenses[1]');
    expect(defense.describe()).toEqual({
      label: 'DAD (always denoise)', kind: 'dad', modifies: 'Undefended',
      settings: { mode: 'always-denoise', noiseStd: 0.1, minBatchSize: 1, thresholdFrom, batchSize: 4 },
      surface: defense.surface.description,
    });
    expect(defense.surface.minBatchSize).toBe(1);
    expect(defense.surface.recommendedAttacks).toEqual([{ name: 'pgd-eot' }]);
    const x = tf.fill([1, 8, 8, 1], 0.5) as Images;
    const out = defense.classify(x, { seed: 1 });
    expect(out.logits.shape).toEqual([1, 2]);
    expect(out.info).toEqual({});
    tf.dispose([x, out.logits]);
    const named = await createDefense({ name: 'dad', mode: 'always-denoise', label: 'DAD-D' }, context, 'defenses[2]');
    expect(named.label).toBe('DAD-D');
  });

  it('rejects an unknown mode with a usage error listing the modes', async () => {
    const e = await createDefense({ name: 'dad', mode: 'always' }, context, 'defenses[3]').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).message).toBe(`protocol: 'defenses[3].mode' must be one of 'routing', 'always-denoise', got "always".`);
  });
});
