import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Mmd2Estimator } from './types';

/** The frozen configuration of an {@link MmdDetector} (what `toJSON` returns and `fromJSON` reads). */
export interface MmdDetectorConfig {
  /** Detector statistic: `'biased'` MMD²_b (DAD's score, any batch size) or `'unbiased'` MMD²_u (batch size = referenceSize). */
  readonly estimator: Mmd2Estimator;
  /** Size of the clean reference batch R, taken from the start of `fit`'s clean sample (DAD: 100). */
  readonly referenceSize: number;
  /** MMD-OPT Adam steps (DAD: 200). */
  readonly steps: number;
  /** MMD-OPT Adam learning rate (DAD: 2e-4). */
  readonly learningRate: number;
  /** λ of the test-power objective J. */
  readonly lambda: number;
  /** Also train a `tf.LayersModel` featurizer (Liu et al.); DAD keeps φ frozen. */
  readonly trainFeaturizer: boolean;
  /** Initial σ of the input term; `undefined` → `2·D0` (DAD's 2048 for 32×32 inputs). */
  readonly sigma: number | undefined;
  /** Initial ε (DAD: ~1e-10). */
  readonly eps: number;
}

/** Options of the {@link MmdDetector} constructor: any subset of {@link MmdDetectorConfig}. */
export type MmdDetectorOptions = Partial<MmdDetectorConfig>;

/**
 * The defaults of {@link MmdDetectorConfig}: DAD's settings (biased statistic, reference batch of 100,
 * 200 Adam steps at 2e-4 on the three kernel scalars with φ frozen, ε ≈ 1e-10, σ = 2·D0).
 *
 * @example
 * ```ts
 * const detector = new MmdDetector(phi, { ...MMD_DETECTOR_DEFAULTS, steps: 50 });
 * ```
 */
export const MMD_DETECTOR_DEFAULTS: MmdDetectorConfig = Object.freeze({
  estimator: 'biased',
  referenceSize: 100,
  steps: 200,
  learningRate: 2e-4,
  lambda: 1e-8,
  trainFeaturizer: false,
  sigma: undefined,
  eps: 1e-10,
});

const ESTIMATORS: Readonly<Record<Mmd2Estimator, true>> = { unbiased: true, biased: true };

/** Merges and checks detector options into a frozen config. @internal */
export function resolveMmdDetectorConfig(options: unknown, fn: string): MmdDetectorConfig {
  const cfg = resolveOptions(fn, MMD_DETECTOR_DEFAULTS, options as MmdDetectorOptions | undefined);
  assert(Object.hasOwn(ESTIMATORS, cfg.estimator), 'INVALID_ARGUMENT', () =>
    `Option 'estimator' passed to '${fn}' must be one of ${Object.keys(ESTIMATORS).map((e) => `'${e}'`).join(', ')}, got ${describeValue(cfg.estimator)}.`);
  assertNumber(cfg.referenceSize, 'referenceSize', fn, { integer: true, min: 2 });
  assertNumber(cfg.steps, 'steps', fn, { integer: true, min: 1 });
  assertNumber(cfg.learningRate, 'learningRate', fn, { greaterThan: 0 });
  assertNumber(cfg.lambda, 'lambda', fn, { greaterThan: 0 });
  if (cfg.sigma !== undefined) assertNumber(cfg.sigma, 'sigma', fn, { greaterThan: 0 });
  assertNumber(cfg.eps, 'eps', fn, { greaterThan: 0 });
  assertNumber(cfg.eps, 'eps', fn, { max: 0.5 });
  return cfg;
}
