/**
 * MMD-OPT: train the deep kernel to maximise test power (Liu et al. 2020, the training loop of MMD-D; DAD
 * `train.py::train_mmd`, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169)).
 *
 * | variable          | paper symbol | meaning |
 * |-------------------|--------------|---------|
 * | `x`, `y`          | S_P, S_Q     | the two training samples (DAD: clean vs MMA-adversarial), `[n,...]` each |
 * | `kernel`          | k_ω          | the {@link DeepKernel}; ω = (s0, s, ε_raw) [+ φ's weights] |
 * | `j`               | Ĵ_λ          | `MMD²_u / sqrt(σ²_H1 + λ)` ({@link testPower}) |
 * | `learningRate`    | η            | Adam step size (2e−4 in both codes) |
 * | `steps`           | epochs       | full-batch Adam steps (200 in DAD) |
 *
 * Steps:
 * 1. (Frozen φ, DAD) embed both samples once: `[φ(x), x]`, `[φ(y), y]`.
 * 2. For each step: Kxx, Kyy, Kxy from the embeddings (re-embedding when φ is trained, Liu et al.);
 *    J from them; one Adam step on −J over ω.
 * 3. Report J before each step to `onStep`; return the J history and the final J.
 *
 * Full batch, no randomness: the same inputs and initial kernel give the same result on the same backend.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import { assertBatch, assertSameFeatures, assertSameRows } from './assertBatch';
import { DeepKernel } from './DeepKernel';
import { kernelMatricesImpl } from './kernelMatrices';
import { testPowerImpl } from './testPower';
import type { Embedding } from './types';

/** Progress of one MMD-OPT step, as passed to `onStep`. */
export interface MmdOptProgress {
  /** Step index, 0-based. */
  readonly step: number;
  /** Total number of steps. */
  readonly steps: number;
  /** J before this step's update. */
  readonly j: number;
  /** MMD²_u before this step's update. */
  readonly mmd2: number;
  /** σ²_H1 before this step's update. */
  readonly variance: number;
}

/** Options of {@link trainMmdOpt}. */
export interface TrainMmdOptOptions {
  /** Full-batch Adam steps; default 200 (DAD). */
  readonly steps?: number;
  /** Adam learning rate; default 2e-4 (DAD and Liu et al.). */
  readonly learningRate?: number;
  /** λ inside `sqrt(σ²_H1 + λ)`; default 1e-8. */
  readonly lambda?: number;
  /** Also train a `tf.LayersModel` featurizer's weights (Liu et al.'s MMD-D); default false (DAD: φ frozen). */
  readonly trainFeaturizer?: boolean;
  /** Called after every step with its {@link MmdOptProgress}; default none. */
  readonly onStep?: (progress: MmdOptProgress) => void;
}

/** What {@link trainMmdOpt} returns. */
export interface TrainMmdOptResult {
  /** J before each step (`history[0]` is J at the initial kernel). */
  readonly history: Float64Array;
  /** J after the last step. */
  readonly finalJ: number;
  /** The kernel's σ0, σ, ε after training. */
  readonly params: { readonly sigma0: number; readonly sigma: number; readonly eps: number };
}

const DEFAULTS = {
  steps: 200,
  learningRate: 2e-4,
  lambda: 1e-8,
  trainFeaturizer: false,
  onStep: undefined as ((progress: MmdOptProgress) => void) | undefined,
} as const;

/**
 * Trains a {@link DeepKernel} in place by maximising the test power J between two samples of equal size
 * (MMD-OPT): Adam on −J over (s0, s, ε_raw), and over the featurizer's weights with `trainFeaturizer`.
 * Deterministic. Leaves no tensors behind.
 *
 * @param kernel - the kernel to train (e.g. from {@link DeepKernel.fromData}, DAD's initialisation).
 * @param x - first sample `[n,...]` (DAD: clean inputs), float32, finite, n ≥ 2.
 * @param y - second sample `[n,...]` (DAD: adversarial inputs), same shape as `x`.
 * @param options - `steps` (200), `learningRate` (2e-4), `lambda` (1e-8), `trainFeaturizer` (false), `onStep`.
 * @returns the J history, the final J and the trained parameters.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` (not a DeepKernel, rank, n < 2, `trainFeaturizer`
 *   without a `tf.LayersModel` featurizer), `SHAPE_MISMATCH` (different feature sizes or sample sizes),
 *   `NOT_FINITE`, `UNKNOWN_OPTION`, `OUT_OF_RANGE` (steps < 1, learning rate ≤ 0); `NOT_FINITE` when J
 *   becomes NaN during training (lower the learning rate).
 * @example
 * ```ts
 * const kernel = DeepKernel.fromData(clean, adversarial, { featurizer });
 * const { history, finalJ } = await trainMmdOpt(kernel, clean, adversarial, { steps: 200 });
 * ```
 */
export async function trainMmdOpt(kernel: DeepKernel, x: tf.Tensor, y: tf.Tensor, options?: TrainMmdOptOptions): Promise<TrainMmdOptResult> {
  const fn = 'trainMmdOpt';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  assertNumber(cfg.steps, 'steps', fn, { integer: true, min: 1 });
  assertNumber(cfg.learningRate, 'learningRate', fn, { greaterThan: 0 });
  assertNumber(cfg.lambda, 'lambda', fn, { greaterThan: 0 });
  assert(kernel instanceof DeepKernel, 'INVALID_ARGUMENT', () =>
    `Argument 'kernel' passed to '${fn}' must be a DeepKernel, got ${describeValue(kernel)}. Create one with DeepKernel.fromData(x, y, { featurizer }).`);
  assert(!cfg.trainFeaturizer || kernel.featurizer instanceof tf.LayersModel, 'INVALID_ARGUMENT', () =>
    `Option 'trainFeaturizer' passed to '${fn}' needs a tf.LayersModel featurizer (its weights are what gets trained), ` +
      `got ${kernel.featurizer === undefined ? 'no featurizer' : 'a plain function'}. Wrap φ in a tf.LayersModel, or leave trainFeaturizer false.`);
  const why = 'the unbiased MMD² inside J divides by n(n−1)';
  assertBatch(x, 'x', fn, { minRows: 2, why });
  assertBatch(y, 'y', fn, { minRows: 2, why });
  assertSameFeatures(x, y, ['x', 'y'], fn);
  assertSameRows(x, y, ['x', 'y'], fn, 'MMD-OPT (J pairs x_i with y_i)');

  const variables = kernel.trainableVariables(cfg.trainFeaturizer);
  const frozen: [Embedding, Embedding] | undefined = cfg.trainFeaturizer
    ? undefined
    : [tf.tidy(() => kernel.embed(x).map((v) => tf.keep(v))), tf.tidy(() => kernel.embed(y).map((v) => tf.keep(v)))];
  const objective = (): { j: tf.Scalar; mmd2: tf.Scalar; variance: tf.Scalar } => {
    const [ex, ey] = frozen ?? [kernel.embed(x), kernel.embed(y)];
    const { kxx, kyy, kxy } = kernelMatricesImpl(kernel, ex, ey);
    return testPowerImpl(kxx, kyy, kxy, cfg.lambda);
  };
  const optimizer = tf.train.adam(cfg.learningRate);
  const history = new Float64Array(cfg.steps);
  try {
    for (let step = 0; step < cfg.steps; step++) {
      let parts: tf.Scalar[] = [];
      const cost = optimizer.minimize(() => {
        const { j, mmd2, variance } = objective();
        parts = [tf.keep(mmd2), tf.keep(variance)];
        return tf.neg(j);
      }, true, variables) as tf.Scalar;
      const [negJ, mmd2, variance] = await Promise.all([cost, ...parts].map(async (t) => (await t.data())[0] as number));
      tf.dispose([cost, ...parts]);
      const j = -(negJ as number);
      assert(Number.isFinite(j), 'NOT_FINITE', () =>
        `'${fn}' got J = ${j} at step ${step} (MMD²_u ${mmd2}, σ²_H1 ${variance}): training diverged. ` +
          `Lower 'learningRate' (now ${cfg.learningRate}) or check the featurizer's outputs.`);
      history[step] = j;
      cfg.onStep?.({ step, steps: cfg.steps, j, mmd2: mmd2 as number, variance: variance as number });
    }
    const final = tf.tidy(() => objective().j);
    const finalJ = (await final.data())[0] as number;
    final.dispose();
    const { sigma0, sigma, eps } = kernel.params;
    return { history, finalJ, params: { sigma0, sigma, eps } };
  } finally {
    optimizer.dispose();
    if (frozen) tf.dispose(frozen.flat());
  }
}
