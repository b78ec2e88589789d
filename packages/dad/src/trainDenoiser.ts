/**
 * DAD's denoiser training (Zhang et al., ICML 2025, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169), `train.py::train_denoiser`).
 *
 * | variable      | paper symbol | meaning |
 * |---------------|--------------|---------|
 * | `clean`       | X_C          | clean training images `[N,H,W,C]`, with labels Y_C |
 * | `adversarial` | X_adv        | their MMA adversarial examples, aligned by index |
 * | `kernel`      | MMD-OPT      | the frozen deep kernel (σ0, σ, ε and φ fixed) |
 * | `classifier`  | h            | the frozen classifier |
 * | `alpha`       | α            | CE weight, 0.01 |
 *
 * Steps, per epoch (pairs shuffled together by a seed derived from `seed` and the epoch):
 * 1. per batch: `X_noisy = clip(X_adv + clip(N(0, 0.25²), 0, 1), 0, 1)` (fresh noise);
 * 2. `L = MMD²_b(X_C, g(X_noisy)) + α·CE(h(g(X_noisy)), Y_C)`, g in training mode (batch statistics);
 * 3. one Adam step on g's variables, then BatchNorm running statistics updated;
 * 4. the learning rate is multiplied by `decayFactor` from epoch ⌊decayAt·epochs⌋ on (DAD: ×0.1 at 45 of 60);
 * 5. after each epoch, a {@link TrainDenoiserCheckpoint} goes to `onEpochEnd`; passing it back as `resume`
 *    continues with the same results as an uninterrupted run.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertLabels, assertNumber, assertSameBatch, describeValue, encodeSafetensorsSync, parseSafetensors, resolveOptions, seedStream } from '@robustjs/core';
import type { SeedStream } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import type { Kernel } from '@robustjs/mmd';
import { addClampedNoise } from './addClampedNoise';
import { Denoiser } from './Denoiser';
import { denoiserLoss } from './denoiserLoss';

/** One entry of an optimizer's `getWeights()`. */
type NamedTensor = Awaited<ReturnType<tf.Optimizer['getWeights']>>[number];

/** Progress of one training step, as passed to `onStep`. */
export interface DenoiserProgress {
  /** Epoch index, 0-based. */
  readonly epoch: number;
  /** Step index within the epoch, 0-based. */
  readonly step: number;
  /** Steps per epoch. */
  readonly stepsPerEpoch: number;
  /** This step's loss (before the update). */
  readonly loss: number;
  /** This step's MMD²_b term. */
  readonly mmd: number;
  /** This step's CE term. */
  readonly ce: number;
  /** The learning rate in force. */
  readonly learningRate: number;
}

/** Mean loss terms of one epoch. */
export interface DenoiserEpochRecord {
  /** Epoch index, 0-based. */
  readonly epoch: number;
  /** Mean loss over the epoch's steps. */
  readonly loss: number;
  /** Mean MMD²_b term. */
  readonly mmd: number;
  /** Mean CE term. */
  readonly ce: number;
  /** The learning rate in force. */
  readonly learningRate: number;
}

/** Everything needed to resume training after an epoch: the denoiser, Adam's state and the history. */
export interface TrainDenoiserCheckpoint {
  /** Epochs completed. */
  readonly epoch: number;
  /** `denoiser.save()` after that epoch. */
  readonly denoiser: Uint8Array;
  /** Adam's state (iterations and moments) as a safetensors file. */
  readonly optimizer: Uint8Array;
  /** Per-epoch records so far. */
  readonly history: readonly DenoiserEpochRecord[];
}

/** Options of {@link trainDenoiser}. */
export interface TrainDenoiserOptions {
  /** Epochs; default 10 (DAD: 60 on CIFAR-10). */
  readonly epochs?: number;
  /** Batch size; default 100 (DAD, CIFAR-10). */
  readonly batchSize?: number;
  /** Adam learning rate; default 1e-3. */
  readonly learningRate?: number;
  /** Fraction of `epochs` after which the learning rate decays; default 0.75 (DAD: 45/60). */
  readonly decayAt?: number;
  /** Decay factor; default 0.1. */
  readonly decayFactor?: number;
  /** CE weight α; default 0.01. */
  readonly alpha?: number;
  /** Std of the clamped input noise; default 0.25. */
  readonly noiseStd?: number;
  /** Seed of the shuffles and noise; default 0. */
  readonly seed?: number;
  /** Called after every step; default none. */
  readonly onStep?: (progress: DenoiserProgress) => void;
  /** Called (and awaited) after every epoch with a checkpoint; default none. */
  readonly onEpochEnd?: (checkpoint: TrainDenoiserCheckpoint) => void | Promise<void>;
  /** A checkpoint from `onEpochEnd` to continue from (the denoiser passed in is overwritten with its weights). */
  readonly resume?: TrainDenoiserCheckpoint;
}

const DEFAULTS = {
  epochs: 10,
  batchSize: 100,
  learningRate: 1e-3,
  decayAt: 0.75,
  decayFactor: 0.1,
  alpha: 0.01,
  noiseStd: 0.25,
  seed: 0,
  onStep: undefined as TrainDenoiserOptions['onStep'],
  onEpochEnd: undefined as TrainDenoiserOptions['onEpochEnd'],
  resume: undefined as TrainDenoiserCheckpoint | undefined,
} as const;

/**
 * Trains DAD's denoiser g in place on aligned clean / adversarial pairs with the loss
 * `MMD²_b(X_C, g(X_noisy)) + alpha·CE(h(g(X_noisy)), Y_C)` (steps in the file header). The kernel and the
 * classifier stay frozen. Deterministic for a seed on one backend; resumable from any epoch checkpoint.
 *
 * @param denoiser - the {@link Denoiser} to train.
 * @param data - `clean` `[N,H,W,C]` in [0,1], `adversarial` `[N,H,W,C]` (aligned), `labels` `[N]` int32.
 * @param parts - `kernel`: the MMD-OPT kernel (e.g. from {@link kernelFromDetector}); `classifier`: h.
 * @param options - {@link TrainDenoiserOptions}.
 * @returns the per-epoch records (all epochs, including resumed ones).
 * @throws {@link @robustjs/core!index.RobustError} for bad images or labels, unequal sizes, `N < batchSize`,
 *   bad options, or a non-finite loss during training.
 * @example
 * ```ts
 * const history = await trainDenoiser(g, { clean, adversarial, labels }, { kernel, classifier }, { epochs: 10 });
 * ```
 */
export async function trainDenoiser(
  denoiser: Denoiser,
  data: { readonly clean: Images; readonly adversarial: Images; readonly labels: Labels },
  parts: { readonly kernel: Kernel; readonly classifier: Classifier },
  options?: TrainDenoiserOptions,
): Promise<DenoiserEpochRecord[]> {
  const fn = 'trainDenoiser';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  assertNumber(cfg.epochs, 'epochs', fn, { integer: true, min: 1 });
  assertNumber(cfg.batchSize, 'batchSize', fn, { integer: true, min: 2 });
  assertNumber(cfg.learningRate, 'learningRate', fn, { greaterThan: 0 });
  assertNumber(cfg.decayAt, 'decayAt', fn, { min: 0, max: 1 });
  assertNumber(cfg.decayFactor, 'decayFactor', fn, { greaterThan: 0 });
  assertNumber(cfg.alpha, 'alpha', fn, { min: 0 });
  assertNumber(cfg.noiseStd, 'noiseStd', fn, { min: 0 });
  assertNumber(cfg.seed, 'seed', fn, { integer: true });
  assert(denoiser instanceof Denoiser, 'INVALID_ARGUMENT', () => `Argument 'denoiser' passed to '${fn}' must be a Denoiser, got ${describeValue(denoiser)}.`);
  assert(typeof parts?.classifier === 'function' && typeof parts.kernel?.embed === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'parts' passed to '${fn}' must be { kernel, classifier } (a Kernel such as a DeepKernel, and a Classifier function), got ${describeValue(parts)}.`);
  const { clean, adversarial, labels } = data;
  assertImages(clean, 'data.clean', fn, { channels: denoiser.config.inputShape[2] });
  assertImages(adversarial, 'data.adversarial', fn, { channels: denoiser.config.inputShape[2] });
  assertSameBatch(clean, adversarial, ['data.clean', 'data.adversarial'], fn);
  const n = clean.shape[0];
  assertLabels(labels, 'data.labels', fn, { batch: n });
  assert(n >= cfg.batchSize, 'INVALID_ARGUMENT', () =>
    `'${fn}' needs at least batchSize = ${cfg.batchSize} training pairs, got ${n}. Pass more data or a smaller 'batchSize'.`);
  const resume = cfg.resume;
  assert(resume === undefined || (Number.isInteger(resume.epoch) && resume.epoch >= 0 && resume.epoch <= cfg.epochs), 'INVALID_ARGUMENT', () =>
    `Option 'resume' passed to '${fn}' must be a checkpoint from onEpochEnd with epoch in [0, ${cfg.epochs}], got epoch ${describeValue(resume?.epoch)}.`);

  const stepsPerEpoch = Math.floor(n / cfg.batchSize);
  const decayEpoch = Math.floor(cfg.decayAt * cfg.epochs);
  const rateAt = (epoch: number): number => cfg.learningRate * (epoch >= decayEpoch ? cfg.decayFactor : 1);
  const variables = denoiser.trainableVariables();
  const history: DenoiserEpochRecord[] = resume === undefined ? [] : [...resume.history];
  let optimizer = tf.train.adam(rateAt(resume?.epoch ?? 0));
  if (resume !== undefined) {
    const restored = Denoiser.load(resume.denoiser, 'resume.denoiser');
    try {
      denoiser.copyFrom(restored, fn);
    } finally {
      restored.dispose();
    }
    const state = decodeOptimizer(resume.optimizer, variables);
    await optimizer.setWeights(state);
    tf.dispose(state.map((w) => w.tensor)); // the optimizer's variables hold their own references
  }
  try {
    for (let epoch = resume?.epoch ?? 0; epoch < cfg.epochs; epoch++) {
      if (epoch === decayEpoch && epoch > 0 && (resume === undefined || epoch !== resume.epoch)) {
        // getWeights returns Adam's live moment variables (plus a fresh iterations scalar): copy them
        // into the new optimizer before disposing the old one.
        const state = await optimizer.getWeights();
        const next = tf.train.adam(rateAt(epoch));
        await next.setWeights(state);
        state[0]?.tensor.dispose();
        optimizer.dispose();
        optimizer = next;
      }
      const learningRate = rateAt(epoch);
      const stream = seedStream(cfg.seed).fork(`epoch-${epoch}`);
      const order = new Uint32Array(n);
      shuffleInPlace(order, stream);
      let sums = [0, 0, 0];
      for (let step = 0; step < stepsPerEpoch; step++) {
        const idx = tf.tensor1d(Array.from(order.subarray(step * cfg.batchSize, (step + 1) * cfg.batchSize)), 'int32');
        const [xc, xa, yc] = [tf.gather(clean, idx) as Images, tf.gather(adversarial, idx) as Images, tf.gather(labels, idx) as Labels];
        const noisy = addClampedNoise(xa, { std: cfg.noiseStd, seed: stream.next() + 1 });
        let terms: tf.Scalar[] = [];
        const cost = optimizer.minimize(() => {
          const t = denoiserLoss(xc, yc, denoiser.apply(noisy, { training: true }), parts, cfg.alpha);
          terms = [tf.keep(t.mmd), tf.keep(t.ce)];
          return t.loss;
        }, true, variables) as tf.Scalar;
        denoiser.commitBatchStatistics();
        const [loss, mmd, ce] = await Promise.all([cost, ...terms].map(async (t) => (await t.data())[0] as number)) as [number, number, number];
        tf.dispose([idx, xc, xa, yc, noisy, cost, ...terms]);
        assert(Number.isFinite(loss), 'NOT_FINITE', () =>
          `'${fn}' got loss ${loss} at epoch ${epoch} step ${step}: training diverged. Lower 'learningRate' (now ${learningRate}).`);
        sums = [sums[0] as number + loss, sums[1] as number + mmd, sums[2] as number + ce];
        cfg.onStep?.({ epoch, step, stepsPerEpoch, loss, mmd, ce, learningRate });
      }
      const [l, m, c] = sums.map((s) => s / stepsPerEpoch) as [number, number, number];
      history.push({ epoch, loss: l, mmd: m, ce: c, learningRate });
      if (cfg.onEpochEnd !== undefined) {
        const state = await optimizer.getWeights();
        const checkpoint = { epoch: epoch + 1, denoiser: denoiser.save(), optimizer: encodeOptimizer(state, variables), history: [...history] };
        state[0]?.tensor.dispose(); // the iterations scalar; the moments belong to the optimizer
        await cfg.onEpochEnd(checkpoint);
      }
    }
    return history;
  } finally {
    optimizer.dispose();
  }
}

/** Fisher–Yates with a seeded stream (tfjs's shuffles are unseeded). */
function shuffleInPlace(a: Uint32Array, stream: SeedStream): void {
  for (let i = 0; i < a.length; i++) a[i] = i;
  for (let i = a.length - 1; i > 0; i--) {
    const j = stream.next() % (i + 1);
    const t = a[i] as number;
    a[i] = a[j] as number;
    a[j] = t;
  }
}

/** Adam's weights (iterations, first moments, second moments, in `getWeights` order) as safetensors, named by position. */
function encodeOptimizer(state: NamedTensor[], variables: tf.Variable[]): Uint8Array {
  const tensors: Record<string, tf.Tensor> = {};
  state.forEach((w, i) => { tensors[String(i).padStart(4, '0')] = w.tensor; });
  return encodeSafetensorsSync(tensors, { format: 'robustjs-dad-adam', variables: String(variables.length) });
}

function decodeOptimizer(bytes: Uint8Array, variables: tf.Variable[]): NamedTensor[] {
  const { tensors, metadata } = parseSafetensors(bytes, 'resume.optimizer');
  assert(metadata['format'] === 'robustjs-dad-adam' && metadata['variables'] === String(variables.length), 'CORRUPT_FILE', () =>
    `Option 'resume' passed to 'trainDenoiser' holds optimizer state for ${describeValue(metadata['variables'])} variables, the denoiser has ${variables.length}. Resume with the checkpoint of this denoiser.`);
  const names = Object.keys(tensors).sort();
  return names.map((key, i) => {
    const t = tensors[key] as { data: Float32Array | Int32Array | Uint8Array; shape: readonly number[]; dtype: tf.DataType };
    const name = i === 0 ? 'iter' : `${(variables[(i - 1) % variables.length] as tf.Variable).name}/${i <= variables.length ? 'm' : 'v'}`;
    return { name, tensor: tf.tensor(t.data, [...t.shape], t.dtype) };
  });
}
