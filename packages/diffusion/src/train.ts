import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions, seedStream } from '@robustjs/core';
import { assertSchedule, type NoiseSchedule } from './schedule';
import { qSampleUnchecked } from './qSample';
import type { Unet } from './unet/unet';

/** Training images: row-major `[N,H,W,C]` bytes (0..255), e.g. a `@robustjs/datasets` Dataset. */
export interface TrainingImages {
  /** Pixels 0..255, length N·H·W·C. */
  readonly images: Uint8Array;
  /** `[N,H,W,C]`. */
  readonly shape: readonly number[];
}

/** What {@link trainDiffusion} reports every `progressEvery` steps and at the end. */
export interface TrainProgress {
  /** Steps done so far (including resumed ones). */
  readonly step: number;
  /** Total steps of the run. */
  readonly steps: number;
  /** Loss of the last step. */
  readonly loss: number;
  /** Exponential moving average (0.98) of the loss. */
  readonly smoothedLoss: number;
  /** Milliseconds since this call started. */
  readonly elapsedMs: number;
  /** Training images per second in this call. */
  readonly imagesPerSecond: number;
}

/** A resumable training state: weights, EMA weights, optimizer moments and the step counter. */
export interface TrainCheckpoint {
  /** Steps done. */
  readonly step: number;
  /** Smoothed loss at that step. */
  readonly smoothedLoss: number;
  /** The network's weights by name. */
  readonly weights: tf.NamedTensorMap;
  /** The EMA weights by name. */
  readonly ema: tf.NamedTensorMap;
  /**
   * The Adam state in `optimizer.getWeights()` order (iteration count, first moments, second moments). The moment
   * tensors are the optimizer's live variables: serialize them inside `onCheckpoint`.
   */
  readonly optimizer: readonly tf.Tensor[];
  /** The options of the run (a resumed run must use the same). */
  readonly settings: Readonly<Record<string, number>>;
}

/** Options of {@link trainDiffusion}. */
export interface TrainDiffusionOptions {
  /** Total optimisation steps (including resumed ones). Default 1000. */
  readonly steps: number;
  /** Images per step. Default 64. */
  readonly batchSize: number;
  /** Adam learning rate (after warm-up). Default 1e-3. */
  readonly learningRate: number;
  /** Linear learning-rate warm-up steps. Default 100. */
  readonly warmupSteps: number;
  /**
   * Step from which the learning rate decays linearly, reaching `learningRate/(steps − decayStart)` at the last
   * step; `-1` (default) keeps it constant. The rate before `decayStart` does not depend on it or on `steps`, so a
   * constant-rate checkpoint at a step ≤ `decayStart` resumes into exactly the run these options describe.
   */
  readonly decayStart: number;
  /** EMA decay of the weights. Default 0.995. */
  readonly emaDecay: number;
  /** Smallest training timestep (inclusive). Default 0. */
  readonly tMin: number;
  /** Largest training timestep (exclusive); a purification model needs only t below a few hundred. Default T. */
  readonly tMax: number;
  /** Seed of batch order, timesteps and noise. Default 0. */
  readonly seed: number;
  /** Progress callback. */
  readonly onProgress: ((p: TrainProgress) => void) | undefined;
  /** Steps between progress reports. Default 10. */
  readonly progressEvery: number;
  /** Called with a checkpoint every `checkpointEvery` steps and at the end (the tensors are disposed after). */
  readonly onCheckpoint: ((c: TrainCheckpoint) => Promise<void> | void) | undefined;
  /** Steps between checkpoints. Default 200. */
  readonly checkpointEvery: number;
  /** A checkpoint to resume from (same settings). */
  readonly resume: TrainCheckpoint | undefined;
}

const DEFAULTS: TrainDiffusionOptions = {
  steps: 1000, batchSize: 64, learningRate: 1e-3, warmupSteps: 100, decayStart: -1, emaDecay: 0.995, tMin: 0, tMax: -1, seed: 0,
  onProgress: undefined, progressEvery: 10, onCheckpoint: undefined, checkpointEvery: 200, resume: undefined,
};

/** The result of {@link trainDiffusion}. */
export interface TrainDiffusionResult {
  /** Steps done in total. */
  readonly step: number;
  /** Smoothed loss at the end. */
  readonly smoothedLoss: number;
  /** Loss of every step of this call. */
  readonly losses: readonly number[];
  /** Seconds spent in this call. */
  readonly seconds: number;
  /** The EMA weights by name (the caller disposes them; assign with `unet.setWeights`). */
  readonly ema: tf.NamedTensorMap;
}

/** Deterministic batch rows for a step: an epoch-wise seeded permutation (so resume gives the same batches). */
function batchRows(n: number, batch: number, step: number, seed: number, cache: { epoch: number; perm: Uint32Array }): Uint32Array {
  const rows = new Uint32Array(batch);
  for (let k = 0; k < batch; k++) {
    const flat = step * batch + k;
    const epoch = Math.floor(flat / n);
    if (cache.epoch !== epoch) {
      const s = seedStream(seed).fork(`epoch${epoch}`);
      const perm = Uint32Array.from({ length: n }, (_, i) => i);
      for (let i = n - 1; i > 0; i--) {
        const j = s.next() % (i + 1);
        const tmp = perm[i]!;
        perm[i] = perm[j]!;
        perm[j] = tmp;
      }
      cache.epoch = epoch;
      cache.perm = perm;
    }
    rows[k] = cache.perm[flat % n]!;
  }
  return rows;
}

/**
 * Trains an epsilon-prediction network with the simple DDPM loss `‖ε − ε_θ(sqrt(ᾱ_t)u0 + sqrt(1−ᾱ_t)ε, t)‖²`
 * (mean over pixels and batch), t uniform in [tMin, tMax), Adam with linear warm-up, an EMA of the weights,
 * resumable checkpoints and a progress callback. Images are mapped to [−1,1]. The same seed and settings give
 * the same batches, timesteps and noise, also across a resume.
 *
 * @param unet - the network to train (its weights are updated in place).
 * @param data - training images as bytes `[N,H,W,C]` (a `@robustjs/datasets` Dataset works as is).
 * @param schedule - the noise schedule.
 * @param options - see {@link TrainDiffusionOptions}.
 * @returns the final step, losses, time and the EMA weights.
 * @throws RobustError for data whose shape does not match the network, tMax ≤ tMin or beyond T, a checkpoint made
 *   with other settings, non-positive steps or batch size; `UNKNOWN_OPTION` for other keys.
 * @example
 * ```ts
 * const { ema } = await trainDiffusion(unet, fashionMnistTrain, linearSchedule(), { steps: 2000, tMax: 300 });
 * unet.setWeights(ema);
 * ```
 */
export async function trainDiffusion(unet: Unet, data: TrainingImages, schedule: NoiseSchedule,
  options?: Partial<TrainDiffusionOptions>): Promise<TrainDiffusionResult> {
  const fn = 'trainDiffusion';
  assertSchedule(schedule, fn);
  const o = resolveOptions(fn, DEFAULTS, options);
  const tMax = o.tMax === -1 ? schedule.T : o.tMax;
  assertNumber(o.steps, 'steps', fn, { integer: true, min: 1 });
  assertNumber(o.batchSize, 'batchSize', fn, { integer: true, min: 1 });
  assertNumber(o.learningRate, 'learningRate', fn, { greaterThan: 0 });
  assertNumber(o.warmupSteps, 'warmupSteps', fn, { integer: true, min: 0 });
  assertNumber(o.decayStart, 'decayStart', fn, { integer: true, min: -1 });
  assert(o.decayStart < o.steps, 'OUT_OF_RANGE', () =>
    `Option 'decayStart' passed to '${fn}' must be -1 (no decay) or below steps (${o.steps}), got ${o.decayStart}.`);
  assertNumber(o.emaDecay, 'emaDecay', fn, { min: 0, max: 1 });
  assertNumber(o.tMin, 'tMin', fn, { integer: true, min: 0 });
  assertNumber(tMax, 'tMax', fn, { integer: true, greaterThan: o.tMin, max: schedule.T });
  assertNumber(o.seed, 'seed', fn, { integer: true });
  assertNumber(o.progressEvery, 'progressEvery', fn, { integer: true, min: 1 });
  assertNumber(o.checkpointEvery, 'checkpointEvery', fn, { integer: true, min: 1 });
  const { imageSize: S, channels: C } = unet.config;
  assert(data !== null && typeof data === 'object' && data.images instanceof Uint8Array && Array.isArray(data.shape) &&
    data.shape.length === 4 && data.shape[1] === S && data.shape[2] === S && data.shape[3] === C &&
    data.images.length === data.shape.reduce((a, b) => a * b, 1) && data.shape[0]! >= 1, 'SHAPE_MISMATCH', () =>
    `Argument 'data' passed to '${fn}' must hold [N,${S},${S},${C}] byte images matching the network, got shape ` +
      `${describeValue(data?.shape)}. Resize/pad the images or build the UNet with imageSize/channels to match.`);
  const settings = { batchSize: o.batchSize, learningRate: o.learningRate, warmupSteps: o.warmupSteps, emaDecay: o.emaDecay,
    tMin: o.tMin, tMax, seed: o.seed, T: schedule.T };
  // the decay goes into checkpoints (to check a resume) but not into the settings a resume must repeat
  const decay: Record<string, number> = o.decayStart >= 0 ? { decayStart: o.decayStart, decayEnd: o.steps } : {};
  const names = [...unet.namedVariables.keys()];
  const optimizer = tf.train.adam(o.learningRate);
  let ema: Map<string, tf.Variable>;
  let start = 0;
  let smoothed = Number.NaN;
  if (o.resume !== undefined) {
    const r = o.resume;
    for (const [k, v] of Object.entries(settings)) {
      assert(r.settings[k] === v, 'INVALID_ARGUMENT', () =>
        `Option 'resume' passed to '${fn}': the checkpoint was made with ${k} = ${r.settings[k]}, this call has ${v}. ` +
          'Resume with the settings of the checkpoint.');
    }
    // steps the checkpoint already took with a decaying rate must have decayed as these options say
    const decayedFrom = r.settings.decayStart;
    const decayedAlready = decayedFrom !== undefined && decayedFrom < r.step;
    const decaysBefore = o.decayStart >= 0 && o.decayStart < r.step;
    assert(!(decayedAlready || decaysBefore) || (decayedFrom === o.decayStart && r.settings.decayEnd === o.steps), 'INVALID_ARGUMENT', () =>
      `Option 'resume' passed to '${fn}': the checkpoint (step ${r.step}) was trained with decayStart ${decayedFrom ?? -1}` +
        `${decayedFrom !== undefined ? ` and steps ${r.settings.decayEnd}` : ''}, this call has decayStart ${o.decayStart} and steps ${o.steps}. ` +
        'Resume with a decayStart at or after the checkpoint step, or with the checkpoint\'s decay.');
    assert(r.step <= o.steps, 'OUT_OF_RANGE', () => `Option 'resume' passed to '${fn}' is at step ${r.step}, beyond steps = ${o.steps}.`);
    unet.setWeights(r.weights);
    ema = new Map(names.map((k) => [k, tf.variable(r.ema[k]!, false)]));
    start = r.step;
    smoothed = r.smoothedLoss;
  } else {
    ema = new Map(names.map((k) => [k, tf.variable(unet.namedVariables.get(k)!, false)]));
  }
  const n = data.shape[0]!;
  const pixels = S * S * C;
  const cache = { epoch: -1, perm: new Uint32Array(0) };
  const losses: number[] = [];
  const t0 = Date.now();
  const variables = [...unet.namedVariables.values()];

  const checkpoint = async (step: number): Promise<void> => {
    if (o.onCheckpoint === undefined) return;
    const opt = (await optimizer.getWeights()).map((w) => w.tensor);
    const c: TrainCheckpoint = { step, smoothedLoss: smoothed, weights: unet.getWeights(),
      ema: Object.fromEntries([...ema].map(([k, v]) => [k, tf.clone(v)])), optimizer: opt, settings: { ...settings, ...decay } };
    try {
      await o.onCheckpoint(c);
    } finally {
      tf.dispose([...Object.values(c.weights), ...Object.values(c.ema), ...opt.slice(0, 1)]);
    }
  };

  try {
    if (o.resume !== undefined && o.resume.optimizer.length > 0) {
      // Adam keeps its moments by position, in the order of `variables`
      await optimizer.setWeights(o.resume.optimizer.map((t, i) => ({ name: `w${i}`, tensor: t })));
    }
    for (let step = start; step < o.steps; step++) {
      const rows = batchRows(n, o.batchSize, step, o.seed, cache);
      const stream = seedStream(o.seed).fork(`step${step}`);
      const tValues = Int32Array.from({ length: o.batchSize }, () => o.tMin + (stream.next() % (tMax - o.tMin)));
      const x = new Float32Array(o.batchSize * pixels);
      for (let k = 0; k < o.batchSize; k++) {
        const off = rows[k]! * pixels;
        for (let p = 0; p < pixels; p++) x[k * pixels + p] = (data.images[off + p]! / 255) * 2 - 1;
      }
      const warm = o.warmupSteps > 0 ? Math.min(1, (step + 1) / o.warmupSteps) : 1;
      const decay = o.decayStart >= 0 && step >= o.decayStart ? (o.steps - step) / (o.steps - o.decayStart) : 1;
      (optimizer as unknown as { learningRate: number }).learningRate = o.learningRate * warm * decay;
      const lossT = tf.tidy(() => {
        const u0 = tf.tensor4d(x, [o.batchSize, S, S, C]);
        const eps = tf.randomNormal([o.batchSize, S, S, C], 0, 1, 'float32', stream.next()) as tf.Tensor4D;
        const ut = qSampleUnchecked(schedule, u0, tValues, eps);
        const tt = tf.tensor1d(tValues, 'int32');
        return optimizer.minimize(() => tf.mean(tf.squaredDifference(unet.predict(ut, tt), eps)) as tf.Scalar, true, variables)!;
      });
      const loss = (await lossT.data())[0]!;
      lossT.dispose();
      losses.push(loss);
      smoothed = Number.isNaN(smoothed) ? loss : 0.98 * smoothed + 0.02 * loss;
      tf.tidy(() => {
        for (const [k, e] of ema) e.assign(tf.add(tf.mul(e, o.emaDecay), tf.mul(unet.namedVariables.get(k)!, 1 - o.emaDecay)));
      });
      const done = step + 1;
      if (o.onProgress !== undefined && (done % o.progressEvery === 0 || done === o.steps)) {
        const elapsedMs = Date.now() - t0;
        o.onProgress({ step: done, steps: o.steps, loss, smoothedLoss: smoothed, elapsedMs,
          imagesPerSecond: ((done - start) * o.batchSize) / Math.max(elapsedMs / 1000, 1e-9) });
      }
      if (done % o.checkpointEvery === 0 || done === o.steps) await checkpoint(done);
    }
    return { step: o.steps, smoothedLoss: smoothed, losses, seconds: (Date.now() - t0) / 1000,
      ema: Object.fromEntries([...ema].map(([k, v]) => [k, tf.clone(v)])) };
  } finally {
    for (const v of ema.values()) v.dispose();
    optimizer.dispose();
  }
}
