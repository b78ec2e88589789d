import * as tf from '@tensorflow/tfjs';
import type { Images } from '@robustjs/core';
import { describeEachBackend } from './describeEachBackend';
import { describePurifier } from './describePurifier';

/** A 3×3 box blur (deterministic, differentiable), edges padded by replication through 'same' average pooling. */
const blur = { purify: (x: Images): Images => tf.tidy(() => tf.avgPool(x, 3, 1, 'same')) };
/** Seeded Gaussian noise σ = 0.1 then clipping (randomized, differentiable). */
const noise = {
  purify: (x: Images, { seed }: { readonly seed: number }): Images =>
    tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.1, 'float32', seed)), 0, 1) as Images),
};
/** Bit-depth reduction to 3 bits (Xu et al. 2018, feature squeezing): deterministic, zero gradient almost everywhere. */
const squeeze = { purify: (x: Images): Images => tf.tidy(() => tf.div(tf.round(tf.mul(x, 7)), 7) as Images) };

const x = (): Images => tf.randomUniform([3, 8, 8, 1], 0, 1, 'float32', 1) as Images;

describeEachBackend('describePurifier on hand-written purifiers', () => {
  describePurifier('3×3 box blur', () => ({ purifier: blur, x: x(), randomized: false, differentiable: true }));
  describePurifier('seeded Gaussian noise', () => ({ purifier: noise, x: x(), randomized: true, differentiable: true }));
  describePurifier('3-bit depth reduction', () => ({ purifier: squeeze, x: x(), randomized: false, differentiable: false }));
});
