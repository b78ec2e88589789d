import type * as tf from '@tensorflow/tfjs';
import type { Images, Labels, Logits } from '@robustjs/core';

/**
 * The threat model's norm, `'linf'` or `'l2'`: core's `Norm`, re-exported so `import type { Norm } from
 * '@robustjs/attacks'` keeps working.
 */
export type { Norm } from '@robustjs/core';

/**
 * A classifier with internal randomness (a stochastic defense): images `[N,H,W,C]` in [0,1] and an
 * integer seed → logits `[N,K]`. The same seed must give the same logits; {@link eot} draws the seeds
 * (positive integers: tfjs's random ops treat a seed of 0 as unseeded).
 *
 * @example
 * ```ts
 * const noisy: RandomizedClassifier = (x, seed) => classifier(tf.clipByValue(x.add(tf.randomNormal(x.shape, 0, 0.1, 'float32', seed)), 0, 1));
 * ```
 */
export type RandomizedClassifier = (x: Images, seed: number) => Logits;

/**
 * A per-sample loss: logits `[N,K]` and labels `[N]` int32 → losses `[N]`; attacks ascend it.
 *
 * @example
 * ```ts
 * const loss: LossFn = crossEntropy; // or dlrLoss
 * ```
 */
export type LossFn = (logits: Logits, y: Labels) => tf.Tensor1D;
