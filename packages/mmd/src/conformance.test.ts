import * as tf from '@tensorflow/tfjs';
import type { Images } from '@robustjs/core';
import { describeDetector } from '@robustjs/test-utils';
import { afterAll } from 'vitest';
import { useWasm } from '../test/helpers';
import { MmdDetector } from './MmdDetector';
import type { Mmd2Estimator } from './types';

useWasm();

const SIZE = 8;
/** Images `[n,8,8,1]` in [0,1], seeded. */
const images = (n: number, seed: number): Images => tf.randomUniform([n, SIZE, SIZE, 1], 0, 1, 'float32', seed) as Images;
/** "Adversarial" images: a seeded ±16/255 sign perturbation, clipped to [0,1]. */
const perturbed = (x: Images, seed: number): Images => tf.tidy(() =>
  tf.clipByValue(tf.add(x, tf.mul(tf.sign(tf.randomNormal(x.shape, 0, 1, 'float32', seed)), 16 / 255)), 0, 1) as Images);
/** φ: flatten, then a seeded tanh dense layer to 4 features. */
const phi = (): tf.LayersModel => tf.sequential({ layers: [
  tf.layers.flatten({ inputShape: [SIZE, SIZE, 1] }),
  tf.layers.dense({ units: 4, activation: 'tanh', kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }) }),
] });

const disposers: (() => void)[] = [];
afterAll(() => disposers.forEach((d) => d()));

/** A small fitted detector (reference batch of 4, 5 MMD-OPT steps) viewed as a core Detector, with batches of 4. */
async function fixture(estimator: Mmd2Estimator, featurizer: tf.LayersModel | undefined) {
  const detector = new MmdDetector(featurizer, { estimator, referenceSize: 4, steps: 5, learningRate: 0.01 });
  const clean = images(16, 1);
  const adversarial = perturbed(clean, 2);
  await detector.fit(clean, adversarial);
  tf.dispose([clean, adversarial]);
  disposers.push(() => detector.dispose(), () => featurizer?.dispose());
  const x = perturbed(images(4, 3), 4);
  return { detector: detector.asDetector({ batches: 20 }), x, xClean: images(24, 5), fpr: 0.1, perBatch: true, differentiable: true };
}

describeDetector('MmdDetector.asDetector() (biased MMD², deep kernel with a LayersModel φ)', () => fixture('biased', phi()));
describeDetector('MmdDetector.asDetector() (unbiased MMD², deep kernel with the identity φ)', () => fixture('unbiased', undefined));

/** Features `[n,6]` ~ N(0, I), seeded. */
const features = (n: number, seed: number): tf.Tensor2D =>
  tf.randomNormal([n, 6], 0, 1, 'float32', seed);

/** A detector fit on feature matrices `[N,D]` (like DAD's penultimate features). */
async function featureFixture() {
  const detector = new MmdDetector(undefined, { referenceSize: 4, steps: 5, learningRate: 0.01 });
  const clean = features(16, 1);
  const adversarial = tf.tidy(() => tf.add(clean, tf.mul(tf.sign(clean), 0.5)) as tf.Tensor2D);
  await detector.fit(clean, adversarial);
  tf.dispose([clean, adversarial]);
  disposers.push(() => detector.dispose());
  const x = tf.tidy(() => tf.add(features(4, 3), 0.5) as tf.Tensor2D);
  const xClean = features(24, 5);
  const view = detector.asDetector<tf.Tensor2D>({ batches: 20 });
  return { detector: view, x, xClean, fpr: 0.1, perBatch: true, differentiable: true };
}

describeDetector('MmdDetector.asDetector<Tensor2D>() (MMD² on [N,D] features)', featureFixture);
