import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '@robustjs/core/register';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { MmdDetector } from '@robustjs/mmd';
import { Denoiser, dadDefense, type DadDefense } from '../src/index';

/** Runs the file's tests on the wasm backend (robustjs's kernel additions are registered by the import above). */
export { useWasm } from '@robustjs/test-utils';

/** Reads the first value of a tensor and disposes it. */
export function take(t: tf.Tensor): number {
  const v = (t.dataSync() as Float32Array)[0] as number;
  t.dispose();
  return v;
}

/** Seeded 8×8×1 "clean" images: smooth blobs in [0.2, 0.8]; labels by quadrant brightness. */
export function cleanImages(n: number, seed: number): { x: Images; y: Labels } {
  return tf.tidy(() => {
    const base = tf.randomUniform([n, 4, 4, 1], 0.2, 0.8, 'float32', seed) as tf.Tensor4D;
    const x = tf.image.resizeBilinear(base, [8, 8]) as Images; // [n,8,8,1]
    const y = tf.cast(tf.greater(tf.mean(tf.slice(x, [0, 0, 0, 0], [n, 4, 4, 1]), [1, 2, 3]), 0.5), 'int32') as Labels;
    return { x, y };
  });
}

/** A shifted (stand-in "adversarial") version: +0.15 on every pixel with a seeded sign pattern, clipped. */
export function shifted(x: Images, seed: number): Images {
  return tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(0.15, tf.sign(tf.randomNormal(x.shape, 0, 1, 'float32', seed)))), 0, 1) as Images);
}

/** A tiny fixed linear classifier on 8×8×1 → 2 logits. */
export function tinyClassifier(): { classifier: Classifier; dispose: () => void } {
  const w = tf.tidy(() => tf.variable(tf.randomNormal([64, 2], 0, 0.5, 'float32', 3), false));
  const classifier: Classifier = (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0], 64]), w) as tf.Tensor2D);
  return { classifier, dispose: () => w.dispose() };
}

/** A tiny denoiser for 8×8×1 images (levels 8/4/2). */
export function tinyDenoiser(seed = 0): Denoiser {
  return new Denoiser({ inputShape: [8, 8, 1], channels: [4, 8, 8], forwardBlocks: [1, 1, 1], backwardBlocks: [1, 1], seed });
}

/** A fitted and calibrated identity-featurizer detector on 8×8×1 fixtures (reference of 10). */
export async function tinyDetector(): Promise<{ detector: MmdDetector; threshold: number; clean: Images; dispose: () => void }> {
  const { x, y } = cleanImages(120, 11);
  y.dispose();
  const adv = shifted(x, 12);
  const detector = new MmdDetector(undefined, { referenceSize: 10, steps: 5, learningRate: 1e-2 });
  const [fitX, fitAdv, pool] = [tf.slice(x, 0, 40), tf.slice(adv, 0, 40), tf.slice(x, 40, 80)];
  await detector.fit(fitX, fitAdv);
  const threshold = detector.calibrate(pool, { fpr: 0.05, batches: 40, batchSize: 10, seed: 1 });
  tf.dispose([adv, fitX, fitAdv, pool]);
  return { detector, threshold, clean: x, dispose: () => { detector.dispose(); x.dispose(); } };
}

/**
 * A tiny fitted DAD: {@link tinyDetector}'s detector and threshold, {@link tinyClassifier} and a {@link tinyDenoiser}
 * whose last layer has random weights (an untrained denoiser's zero output would hide the route), with its parts.
 */
export async function tinyDad(): Promise<{
  dad: DadDefense; classifier: Classifier; detector: MmdDetector; denoiser: Denoiser; clean: Images; dispose: () => void;
}> {
  const fix = await tinyDetector();
  const tiny = tinyClassifier();
  const denoiser = tinyDenoiser(4);
  tf.tidy(() => {
    const w = denoiser.trainableVariables().at(-1) as tf.Variable;
    w.assign(tf.randomNormal(w.shape, 0, 0.2, 'float32', 8));
  });
  const dad = dadDefense({ classifier: tiny.classifier, detector: fix.detector, denoiser, threshold: fix.threshold });
  return {
    dad, classifier: tiny.classifier, detector: fix.detector, denoiser, clean: fix.clean,
    dispose: () => {
      fix.dispose();
      tiny.dispose();
      denoiser.dispose();
    },
  };
}
