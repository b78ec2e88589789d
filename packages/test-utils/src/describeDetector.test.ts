import * as tf from '@tensorflow/tfjs';
import type { CalibrateOptions, DetectionRecord, Detector, Images } from '@robustjs/core';
import { describeEachBackend } from './describeEachBackend';
import { describeDetector } from './describeDetector';

/**
 * A per-sample detector written here (feature squeezing in spirit, Xu et al. 2018): the score of an image is its mean
 * absolute change under a 3×3 box blur; the threshold is the ⌈(1 − fpr)·M⌉-th smallest clean score.
 */
function blurDetector(): Detector {
  let threshold = Number.POSITIVE_INFINITY;
  const score = (x: Images): tf.Tensor1D => tf.tidy(() => tf.mean(tf.abs(tf.sub(x, tf.avgPool(x, 3, 1, 'same'))), [1, 2, 3]));
  const read = (x: Images): number[] => {
    const s = score(x);
    const v = Array.from(s.dataSync());
    s.dispose();
    return v;
  };
  return {
    score,
    calibrate(xClean: Images, { fpr = 0.05 }: CalibrateOptions = {}): number {
      const sorted = read(xClean).sort((a, b) => a - b);
      threshold = sorted[Math.ceil((1 - fpr) * sorted.length - 1e-9) - 1]!;
      return threshold;
    },
    predict: (x: Images): DetectionRecord[] => read(x).map((s) => ({ score: s, threshold, isAdversarial: s > threshold })),
  };
}

describeEachBackend('describeDetector on a hand-written per-sample detector', () => {
  describeDetector('blur residual', () => ({
    detector: blurDetector(),
    x: tf.randomUniform([4, 8, 8, 1], 0, 1, 'float32', 1) as Images,
    xClean: tf.tidy(() => tf.avgPool(tf.randomUniform([20, 8, 8, 1], 0, 1, 'float32', 2) as Images, 3, 1, 'same')),
    fpr: 0.1,
    perBatch: false,
    differentiable: true,
  }));
});
