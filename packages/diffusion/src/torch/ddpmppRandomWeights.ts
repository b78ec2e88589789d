import * as tf from '@tensorflow/tfjs';
import { assertNumber, seedStream } from '@robustjs/core';
import type { DdpmppConfig } from './ddpmppConfig';
import { ddpmppTorchParams } from './ddpmppTorchParams';

/**
 * Random weights for `ddpmpp` (benchmarks and smoke runs without a checkpoint; speed does not
 * depend on the values): every weight N(0, 1/fan_in), biases N(0, 0.01), GroupNorm scales
 * 1 + N(0, 0.01), all non-zero so that every path of the network carries signal (the reference
 * initialises the last convs to zero). Keyed by torch name, in tfjs layout.
 *
 * @param config - overrides of `DDPMPP_DEFAULTS` (default none: the full CIFAR-10 config).
 * @param seed - seed of the draws. Default 0.
 * @returns new tensors; pass them to `ddpmpp`, which takes ownership.
 * @throws {@link @robustjs/core!index.RobustError} as `resolveDdpmppConfig`; `INVALID_ARGUMENT`
 *   for a non-integer seed.
 * @example
 * ```ts
 * const model = ddpmpp({ nf: 16, chMult: [1, 2], numResBlocks: 1, imageSize: 16,
 *   attnResolutions: [8] }, ddpmppRandomWeights({ nf: 16, chMult: [1, 2], numResBlocks: 1,
 *   imageSize: 16, attnResolutions: [8] }, 1));
 * ```
 */
export function ddpmppRandomWeights(config?: Partial<DdpmppConfig>, seed = 0): tf.NamedTensorMap {
  assertNumber(seed, 'seed', 'ddpmppRandomWeights', { integer: true });
  const params = ddpmppTorchParams(config);
  const seeds = seedStream(seed);
  const out: tf.NamedTensorMap = {};
  for (const p of params) {
    const s = seeds.nextSeed();
    const shape =
      p.layout === 'oihw'
        ? [p.shape[2]!, p.shape[3]!, p.shape[1]!, p.shape[0]!]
        : p.layout === 'linear'
        ? [p.shape[1]!, p.shape[0]!]
        : [...p.shape];
    const isNormScale = p.shape.length === 1 && p.name.endsWith('.weight'); // GroupNorm scales
    const fanIn =
      p.layout === 'oihw'
        ? p.shape[1]! * p.shape[2]! * p.shape[3]!
        : p.shape.length === 2
        ? p.layout === 'linear'
          ? p.shape[1]!
          : p.shape[0]!
        : 0;
    out[p.name] =
      fanIn > 0
        ? tf.randomNormal(shape, 0, 1 / Math.sqrt(fanIn), 'float32', s)
        : tf.randomNormal(shape, isNormScale ? 1 : 0, 0.01, 'float32', s);
  }
  return out;
}
