import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { caughtAsync, take, useWasm } from '../test/helpers';
import { covarianceMixture } from '../test/mixtures';
import { DeepKernel } from './DeepKernel';
import { createGaussianKernel } from './gaussianKernel';
import { kernelMatrices } from './kernelMatrices';
import { medianSqDist } from './medianSqDist';
import { testPower } from './testPower';
import { trainMmdOpt, type MmdOptProgress } from './trainMmdOpt';
import type { Kernel } from './types';

useWasm();

function heldOutJ(kernel: Kernel, x: tf.Tensor, y: tf.Tensor): number {
  const { kxx, kyy, kxy } = kernelMatrices(kernel, x, y);
  const j = take(testPower(kxx, kyy, kxy));
  tf.dispose([kxx, kyy, kxy]);
  return j;
}

describe('trainMmdOpt', () => {
  it('raises held-out J above a Gaussian kernel at the median heuristic when a learned featurizer matters', async () => {
    const D = 20;
    const [xTr, yTr] = [covarianceMixture(300, D, 0, 1), covarianceMixture(300, D, 0.5, 2)];
    const [xTe, yTe] = [covarianceMixture(1000, D, 0, 3), covarianceMixture(1000, D, 0.5, 4)];
    const gaussianJ = heldOutJ(createGaussianKernel(medianSqDist(xTe, yTe)), xTe, yTe);
    const phi = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [D], units: 16, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
        tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) }),
      ],
    });
    const kernel = DeepKernel.fromData(xTr, yTr, { featurizer: phi });
    const initialJ = heldOutJ(kernel, xTe, yTe);
    const before = tf.memory().numTensors;
    const result = await trainMmdOpt(kernel, xTr, yTr, { steps: 150, learningRate: 1e-3, trainFeaturizer: true });
    expect(tf.memory().numTensors).toBe(before);
    const trainedJ = heldOutJ(kernel, xTe, yTe);
    console.log(`[acceptance] held-out J (n=1000 per set, D=${D}): Gaussian at median heuristic ${gaussianJ.toFixed(4)}, ` +
      `deep kernel at DAD init ${initialJ.toFixed(4)}, after MMD-OPT (150 Adam steps, φ trained) ${trainedJ.toFixed(4)}; ` +
      `training J ${result.history[0]?.toFixed(4)} → ${result.finalJ.toFixed(4)}`);
    expect(trainedJ).toBeGreaterThan(1.5 * gaussianJ);
    expect(trainedJ).toBeGreaterThan(initialJ);
    expect(result.finalJ).toBeGreaterThan(result.history[0] as number);
    tf.dispose([xTr, yTr, xTe, yTe]);
    kernel.dispose();
    phi.dispose();
  });

  it('is deterministic, reports every step, and trains only (σ0, s, ε_raw) when φ is frozen', async () => {
    const x = tf.randomNormal([40, 5], 0, 1, 'float32', 1);
    const y = tf.randomNormal([40, 5], 0.7, 1, 'float32', 2);
    const phi = (v: tf.Tensor): tf.Tensor => tf.tanh(v);
    const runs = [];
    for (let r = 0; r < 2; r++) {
      const kernel = DeepKernel.fromData(x, y, { featurizer: phi });
      const seen: MmdOptProgress[] = [];
      const before = tf.memory().numTensors;
      const out = await trainMmdOpt(kernel, x, y, { steps: 25, learningRate: 0.05, onStep: (p) => seen.push(p) });
      expect(tf.memory().numTensors).toBe(before);
      expect(seen.map((p) => p.step)).toEqual(Array.from({ length: 25 }, (_, i) => i));
      expect(seen[3]?.j).toBe(out.history[3]);
      expect(seen[3]!.j).toBeCloseTo(seen[3]!.mmd2 / Math.sqrt(seen[3]!.variance + 1e-8), 4);
      runs.push({ history: Array.from(out.history), finalJ: out.finalJ, params: out.params });
      kernel.dispose();
    }
    expect(runs[1]).toEqual(runs[0]);
    expect(runs[0]!.finalJ).toBeGreaterThan(runs[0]!.history[0]!);
    tf.dispose([x, y]);
  });

  it('rejects unequal sample sizes, trainFeaturizer without a model, unknown options and a non-kernel', async () => {
    const x = tf.randomNormal([6, 3], 0, 1, 'float32', 1);
    const y = tf.randomNormal([5, 3], 0, 1, 'float32', 2);
    const kernel = DeepKernel.fromData(x, x);
    const e = await caughtAsync(() => trainMmdOpt(kernel, x, y));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/'x' and 'y' passed to 'trainMmdOpt' must have the same number of samples.*got 6 and 5/);
    expect((await caughtAsync(() => trainMmdOpt(kernel, x, x, { trainFeaturizer: true }))).message).toMatch(/needs a tf.LayersModel featurizer.*got no featurizer/);
    expect((await caughtAsync(() => trainMmdOpt(kernel, x, x, { step: 3 } as never))).code).toBe('UNKNOWN_OPTION');
    expect((await caughtAsync(() => trainMmdOpt({} as never, x, x))).message).toMatch(/must be a DeepKernel/);
    const one = tf.ones([1, 3]);
    expect((await caughtAsync(() => trainMmdOpt(kernel, one, one))).message).toMatch(/at least 2 rows.*divides by n\(n−1\)/);
    tf.dispose([x, y, one]);
    kernel.dispose();
  });
});
