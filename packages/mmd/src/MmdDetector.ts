/**
 * DAD's batch detector (J. Zhang et al., ICML 2025; code `adaptive_whitebox_attack.py::eval_test`;
 * [arXiv:2503.02169](https://arxiv.org/abs/2503.02169)).
 *
 * | variable    | paper symbol       | meaning |
 * |-------------|--------------------|---------|
 * | `reference` | R                  | the first `referenceSize` clean samples given to `fit` |
 * | statistic   | m = MMD²_b(R, B)   | the score of an incoming batch B (MMD-OPT kernel) |
 * | threshold   | θ                  | (1 − fpr) quantile of clean-vs-R statistics |
 *
 * Steps: 1. `fit`: DAD's kernel initialisation and MMD-OPT (§3.4), R = clean[0:referenceSize];
 * 2. `calibrate`: m over clean batches → θ; 3. `predict`: B is flagged iff m > θ (DAD denoises flagged batches).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions, type Detector, type DetectionRecord, type Images } from '@robustjs/core';
import { assertBatch, assertSameFeatures, assertSameRows } from './assertBatch';
import { DeepKernel } from './DeepKernel';
import { drawBatches } from './drawBatches';
import { decodeDetectorFile, encodeDetectorFile, kindOf, type Calibration } from './detectorFile';
import { kernelMatricesImpl } from './kernelMatrices';
import { MMD2_ESTIMATORS } from './mmd2';
import { resolveMmdDetectorConfig, type MmdDetectorConfig, type MmdDetectorOptions } from './mmdDetectorConfig';
import { trainMmdOpt, type TrainMmdOptResult } from './trainMmdOpt';
import type { Featurizer, MmdCalibrateOptions, MmdDetection, MmdFitOptions } from './types';

const CALIBRATE_DEFAULTS = { fpr: 0.05, batches: 100, batchSize: undefined as number | undefined, seed: 0 } as const;

/**
 * DAD's batch-level detector: a deep-kernel MMD between a fixed clean reference batch R and each incoming
 * batch B, flagged when `MMD²(R, B) > threshold`.
 *
 * - `fit(clean, adversarial)` initialises the {@link DeepKernel} as DAD does and trains it with MMD-OPT
 *   ({@link trainMmdOpt}); R = the first `referenceSize` clean samples.
 * - `calibrate(clean, { fpr })` sets the threshold to the (1 − fpr) quantile of clean-vs-clean statistics.
 * - `score(batch)` is the differentiable statistic `[1]`; `predict(batch)` is only `score > threshold`.
 * - `save()` / `MmdDetector.load(bytes, featurizer)` round-trip kernel, φ's weights, R, threshold, version.
 * - `asDetector()`: the same detector behind core's {@link @robustjs/core!index.Detector} contract (one record per batch).
 *
 * Batches are any `[N,...]` float32 tensors (images `[N,H,W,C]` in [0,1], or features `[N,D]`); D0 is the
 * flattened per-sample size. Call {@link MmdDetector.dispose} when done.
 *
 * @example
 * ```ts
 * const detector = new MmdDetector(penultimate, { referenceSize: 100 });
 * await detector.fit(cleanTrain, adversarialTrain);
 * detector.calibrate(cleanHeldOut, { fpr: 0.05 });
 * if (!detector.predict(batch).isAdversarial) classify(batch);
 * ```
 */
export class MmdDetector {
  /** The frozen configuration. */
  readonly config: MmdDetectorConfig;
  /** φ as given to the constructor (`undefined`: the identity). */
  readonly featurizer: Featurizer | undefined;
  private kernel: DeepKernel | undefined;
  private reference: tf.Tensor | undefined;
  private calibration: Calibration | undefined;

  /**
   * @param featurizer - φ: a function or a `tf.LayersModel` mapping `[N,...]` → `[N,F]`; default the identity.
   * @param options - any subset of {@link MmdDetectorConfig}; defaults {@link MMD_DETECTOR_DEFAULTS}.
   * @throws {@link @robustjs/core!index.RobustError} `UNKNOWN_OPTION`, `INVALID_ARGUMENT`, `OUT_OF_RANGE` for bad options or featurizer.
   */
  constructor(featurizer?: Featurizer, options?: MmdDetectorOptions) {
    assert(featurizer === undefined || featurizer instanceof tf.LayersModel || typeof featurizer === 'function', 'INVALID_ARGUMENT', () =>
      `Argument 'featurizer' passed to 'MmdDetector' must be a function [N,...] → [N,F] or a tf.LayersModel, got ${describeValue(featurizer)}.`);
    this.featurizer = featurizer;
    this.config = resolveMmdDetectorConfig(options, 'MmdDetector');
  }

  /** Whether the detector has a trained kernel and reference batch (after `fit` or `load`). */
  get isFitted(): boolean {
    return this.kernel !== undefined && this.reference !== undefined;
  }

  /** The config as plain JSON (see {@link MmdDetector.fromJSON}). */
  toJSON(): MmdDetectorConfig {
    return { ...this.config };
  }

  /**
   * A new, unfitted detector with the configuration `json` (from {@link MmdDetector.toJSON}).
   *
   * @param json - a config object; unknown keys throw.
   * @param featurizer - φ; default the identity.
   */
  static fromJSON(json: unknown, featurizer?: Featurizer): MmdDetector {
    return new MmdDetector(featurizer, json as MmdDetectorOptions);
  }

  /**
   * Trains the deep kernel on paired clean and adversarial samples (MMD-OPT, maximising J) and keeps the
   * first `referenceSize` clean samples as the reference batch. Clears any previous calibration. With
   * `trainFeaturizer`, a `tf.LayersModel` φ is trained in place.
   *
   * @param clean - clean samples `[n,...]`, float32, finite, n ≥ referenceSize.
   * @param adversarial - adversarial samples `[n,...]` (e.g. MMA or PGD outputs for `clean`).
   * @param options - `onStep` progress callback.
   * @returns the MMD-OPT result (J history, final J, parameters).
   * @throws {@link @robustjs/core!index.RobustError} `SHAPE_MISMATCH` (different feature or sample sizes), `NOT_FINITE`,
   *   `INVALID_ARGUMENT` (fewer than referenceSize clean samples, rank < 2), and {@link trainMmdOpt}'s errors.
   */
  async fit(clean: tf.Tensor, adversarial: tf.Tensor, options?: MmdFitOptions): Promise<TrainMmdOptResult> {
    const fn = 'MmdDetector.fit';
    const { onStep } = resolveOptions(fn, { onStep: undefined as MmdFitOptions['onStep'] }, options);
    const { referenceSize } = this.config;
    assertBatch(clean, 'clean', fn, { minRows: referenceSize, why: `the reference batch takes the first referenceSize = ${referenceSize} clean samples` });
    assertBatch(adversarial, 'adversarial', fn, { minRows: 2 });
    assertSameFeatures(clean, adversarial, ['clean', 'adversarial'], fn);
    assertSameRows(clean, adversarial, ['clean', 'adversarial'], fn, 'MMD-OPT (J pairs clean_i with adversarial_i)');
    const { sigma, eps, steps, learningRate, lambda, trainFeaturizer } = this.config;
    const kernel = DeepKernel.fromData(clean, adversarial, { featurizer: this.featurizer, sigma, eps });
    try {
      const result = await trainMmdOpt(kernel, clean, adversarial, { steps, learningRate, lambda, trainFeaturizer, onStep });
      this.dispose();
      this.kernel = kernel;
      this.reference = tf.tidy(() => tf.slice(clean, 0, referenceSize));
      return result;
    } catch (e) {
      kernel.dispose();
      throw e;
    }
  }

  /**
   * Sets the threshold so that at most `fpr` of clean batches are flagged: the ⌈(1 − fpr)·M⌉-th smallest of
   * the M clean-vs-reference statistics. Pass either M clean batches of equal size, or a pool `[P,...]` from
   * which `batches` random batches of `batchSize` samples are drawn (seeded). Use clean data held out from `fit`.
   *
   * @param clean - clean batches (`[B,...]` each, equal B) or one pool `[P,...]`.
   * @param options - `fpr` (0.05); for a pool, `batches` (100), `batchSize` (referenceSize), `seed` (0).
   * @returns the threshold.
   * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` before `fit`, or with fewer than ⌈1/fpr⌉ batches, or
   *   pool options with a list of batches; `SHAPE_MISMATCH`, `NOT_FINITE`, `OUT_OF_RANGE`, `UNKNOWN_OPTION`.
   */
  calibrate(clean: tf.Tensor | readonly tf.Tensor[], options?: MmdCalibrateOptions): number {
    const fn = 'MmdDetector.calibrate';
    const { kernel, reference } = this.fitted(fn);
    const cfg = resolveOptions(fn, CALIBRATE_DEFAULTS, options);
    assertNumber(cfg.fpr, 'fpr', fn, { greaterThan: 0 });
    assertNumber(cfg.fpr, 'fpr', fn, { max: 0.999999 });
    const pool = !Array.isArray(clean);
    assert(pool || (options?.batches === undefined && options?.batchSize === undefined && options?.seed === undefined), 'INVALID_ARGUMENT', () =>
      `Options 'batches', 'batchSize' and 'seed' passed to '${fn}' apply to a pool tensor only; with a list of batches, omit them.`);
    const batchSize = pool ? cfg.batchSize ?? this.config.referenceSize : ((clean as readonly tf.Tensor[])[0]?.shape[0] ?? 0);
    const count = pool ? cfg.batches : (clean as readonly tf.Tensor[]).length;
    const needed = Math.ceil(1 / cfg.fpr - 1e-9);
    assert(count >= needed, 'INVALID_ARGUMENT', () =>
      `'${fn}' needs at least ⌈1/fpr⌉ = ${needed} clean batches to set a threshold at fpr = ${cfg.fpr}, got ${count}. Pass more batches or a larger fpr.`);
    assertNumber(batchSize, 'batchSize', fn, { integer: true, min: this.config.estimator === 'unbiased' ? 2 : 1 });
    const batches: tf.Tensor[] = pool ? drawBatches(clean, count, batchSize, cfg.seed, fn) : [];
    try {
      const list = pool ? batches : (clean as readonly tf.Tensor[]);
      list.forEach((b, i) => this.checkBatch(b, `clean[${i}]`, fn, batchSize));
      const embedded = tf.tidy(() => kernel.embed(reference).map((v) => tf.keep(v)));
      const stats = list.map((b) => tf.tidy(() => {
        const { kxx, kyy, kxy } = kernelMatricesImpl(kernel, embedded, kernel.embed(b));
        return MMD2_ESTIMATORS[this.config.estimator](kxx, kyy, kxy);
      })).map((t) => { const v = (t.dataSync() as Float32Array)[0] as number; t.dispose(); return v; });
      tf.dispose([...embedded]);
      const sorted = [...stats].sort((a, b) => a - b);
      const threshold = sorted[Math.ceil((1 - cfg.fpr) * stats.length - 1e-9) - 1] as number;
      this.calibration = { threshold, batchSize, nullStatistics: stats };
      return threshold;
    } finally {
      tf.dispose(batches);
    }
  }

  /**
   * The detector statistic MMD²(R, batch) by the configured estimator, `[1]`: tidy and differentiable
   * with respect to `batch` (for adaptive attacks through the detector).
   *
   * @param batch - `[B,...]` with the per-sample shape of the fitted data, float32, finite.
   * @returns `[1]`, the statistic.
   * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` before `fit`; `SHAPE_MISMATCH`, `NOT_FINITE`.
   */
  score(batch: tf.Tensor): tf.Tensor1D {
    return this.statistic(batch, 'MmdDetector.score', undefined);
  }

  /**
   * Decides one batch: `isAdversarial = statistic > threshold`, nothing else.
   *
   * @param batch - `[B,...]`, B = the calibration batch size.
   * @returns `{ statistic, threshold, isAdversarial, pValue }`.
   * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` before `fit` or `calibrate`; `SHAPE_MISMATCH`
   *   (batch size differs from the calibration batch size: the threshold depends on it); `NOT_FINITE`.
   */
  predict(batch: tf.Tensor): MmdDetection {
    const fn = 'MmdDetector.predict';
    this.fitted(fn);
    const cal = this.calibration;
    assert(cal !== undefined, 'INVALID_ARGUMENT', () =>
      `'${fn}' was called before 'calibrate': the detector has no threshold. Call detector.calibrate(cleanBatches, { fpr: 0.05 }) first.`);
    const s = this.statistic(batch, fn, cal.batchSize);
    const statistic = (s.dataSync() as Float32Array)[0] as number;
    s.dispose();
    const above = cal.nullStatistics.filter((v) => v >= statistic).length;
    return { statistic, threshold: cal.threshold, isAdversarial: statistic > cal.threshold, pValue: (1 + above) / (1 + cal.nullStatistics.length) };
  }

  /**
   * This detector behind `@robustjs/core`'s {@link @robustjs/core!index.Detector} contract,
   * for pipelines written against it: `score` is {@link MmdDetector.score} (`[1]` per batch),
   * `calibrate(xClean, { fpr })` is {@link MmdDetector.calibrate} with `xClean` as the pool and
   * `pool`'s batch options (`fpr` default 0.05), and `predict` returns one
   * {@link @robustjs/core!index.DetectionRecord} for the whole batch (`score` = the statistic,
   * `pValue` the empirical p-value). A view, not a copy: calibrating either sets the threshold of
   * both; disposing this detector disposes it.
   *
   * The view takes whatever the detector was fit on: images `[N,H,W,C]` (the default type,
   * `Detector<Images>`) or feature matrices `[N,D]` (`asDetector<tf.Tensor2D>()`, a
   * `Detector<tf.Tensor2D>`). The type argument only names it; the per-sample shape is checked
   * at run time against the fitted data.
   *
   * @typeParam X - the batch type: `Images` `[N,H,W,C]` (default) or `tf.Tensor2D` `[N,D]` features
   *   (any `[N,...]` tensor of the fitted per-sample shape).
   * @param pool - how `calibrate` draws clean batches from its pool: `batches` (100), `batchSize`
   *   (referenceSize), `seed` (0).
   * @returns a {@link @robustjs/core!index.Detector} of `X`.
   * @throws {@link @robustjs/core!index.RobustError} from its methods, as this class's methods
   *   throw (`SHAPE_MISMATCH` for another per-sample shape than the fitted data's; an unknown
   *   `pool` key on the first `calibrate`).
   * @example
   * ```ts
   * const d: Detector = mmdDetector.asDetector({ batches: 200 });
   * d.calibrate(cleanPool, { fpr: 0.01 });
   * const [record] = d.predict(batch); // record.isAdversarial, record.score, record.pValue
   * // a detector fit on features [N,D]:
   * const f: Detector<tf.Tensor2D> = featureDetector.asDetector<tf.Tensor2D>();
   * ```
   */
  asDetector<X extends tf.Tensor = Images>(pool?: Omit<MmdCalibrateOptions, 'fpr'>): Detector<X> {
    return {
      score: (x: X) => this.score(x),
      calibrate: (xClean: X, options) => this.calibrate(xClean, { ...pool, ...options }),
      predict: (x: X): DetectionRecord[] => {
        const { statistic, threshold, isAdversarial, pValue } = this.predict(x);
        return [{ score: statistic, threshold, isAdversarial, pValue }];
      },
    };
  }

  /**
   * Serialises the fitted detector (format {@link MMD_DETECTOR_FORMAT_VERSION}): config, kernel parameters,
   * φ's weights (for a `tf.LayersModel`), the reference batch and the calibration, as one safetensors file.
   *
   * @returns the file bytes.
   * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` before `fit`.
   */
  async save(): Promise<Uint8Array> {
    const { kernel, reference } = this.fitted('MmdDetector.save');
    const weights = this.featurizer instanceof tf.LayersModel ? this.featurizer.getWeights() : [];
    return encodeDetectorFile({
      config: this.config, kernel: kernel.state(), featurizerKind: kindOf(this.featurizer), featurizerWeights: weights,
      reference, calibration: this.calibration,
    });
  }

  /**
   * Restores a detector written by {@link MmdDetector.save}. A `tf.LayersModel` featurizer must have the saved
   * architecture; its weights are overwritten with the saved ones. A function featurizer must be passed again.
   *
   * @param bytes - the saved file.
   * @param featurizer - φ, as when it was saved (none for the identity).
   * @param source - the file's name for messages; default `'<memory>'`.
   * @returns the detector, fitted (and calibrated if it was).
   * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` (truncated, not a detector file), `INVALID_ARGUMENT`
   *   (another format version, featurizer kind differs), `SHAPE_MISMATCH` (φ's weights differ in count or shape).
   */
  static load(bytes: Uint8Array, featurizer?: Featurizer, source = '<memory>'): MmdDetector {
    const fn = 'MmdDetector.load';
    const file = decodeDetectorFile(bytes, source, fn);
    try {
      const detector = new MmdDetector(featurizer, file.config as MmdDetectorOptions);
      const kind = kindOf(featurizer);
      assert(kind === file.featurizerKind, 'INVALID_ARGUMENT', () =>
        `Argument 'featurizer' passed to '${fn}' must be ${file.featurizerKind === 'identity' ? 'omitted' : `a ${file.featurizerKind}`} ` +
          `as when '${source}' was saved, got ${kind === 'identity' ? 'none' : `a ${kind}`}.`);
      if (featurizer instanceof tf.LayersModel) {
        const current = featurizer.getWeights().map((w) => w.shape);
        const saved = file.featurizerWeights.map((w) => w.shape);
        assert(JSON.stringify(current) === JSON.stringify(saved), 'SHAPE_MISMATCH', () =>
          `Argument 'featurizer' passed to '${fn}' has weights of shapes ${describeValue(current)}, but '${source}' holds ` +
            `${describeValue(saved)}. Build the featurizer with the architecture it was saved with.`);
        featurizer.setWeights([...file.featurizerWeights]);
      }
      detector.kernel = DeepKernel.fromState(file.kernel, featurizer);
      detector.reference = file.reference;
      detector.calibration = file.calibration;
      return detector;
    } catch (e) {
      file.reference.dispose();
      throw e;
    } finally {
      tf.dispose([...file.featurizerWeights]);
    }
  }

  /** Disposes the kernel's variables and the reference batch (not the featurizer). */
  dispose(): void {
    this.kernel?.dispose();
    this.reference?.dispose();
    this.kernel = undefined;
    this.reference = undefined;
    this.calibration = undefined;
  }

  private fitted(fn: string): { kernel: DeepKernel; reference: tf.Tensor } {
    const { kernel, reference } = this;
    assert(kernel !== undefined && reference !== undefined, 'INVALID_ARGUMENT', () =>
      `'${fn}' was called before 'fit': the detector has no trained kernel. ` +
        'Call await detector.fit(clean, adversarial) first, or restore one with MmdDetector.load(bytes, featurizer).');
    return { kernel, reference };
  }

  private statistic(batch: unknown, fn: string, size: number | undefined): tf.Tensor1D {
    const { kernel, reference } = this.fitted(fn);
    this.checkBatch(batch, 'batch', fn, size);
    return tf.tidy(() => {
      const { kxx, kyy, kxy } = kernelMatricesImpl(kernel, kernel.embed(reference), kernel.embed(batch));
      return tf.reshape(MMD2_ESTIMATORS[this.config.estimator](kxx, kyy, kxy), [1]) as tf.Tensor1D; // [1]
    });
  }

  private checkBatch(batch: unknown, name: string, fn: string, size: number | undefined): asserts batch is tf.Tensor {
    const reference = this.reference as tf.Tensor;
    const unbiased = this.config.estimator === 'unbiased';
    assertBatch(batch, name, fn, { minRows: unbiased ? 2 : 1 });
    const [want, got] = [reference.shape.slice(1), batch.shape.slice(1)];
    assert(want.length === got.length && want.every((d, i) => d === got[i]), 'SHAPE_MISMATCH', () =>
      `Argument '${name}' passed to '${fn}' must have per-sample shape ${describeValue(want)} like the data the detector was fit on, ` +
        `got ${describeValue(batch.shape)}. Apply the same preprocessing.`);
    const expected = size ?? (unbiased ? reference.shape[0] : undefined);
    assert(expected === undefined || batch.shape[0] === expected, 'SHAPE_MISMATCH', () =>
      `Argument '${name}' passed to '${fn}' must hold ${expected} samples, got ${batch.shape[0]}: ` +
        (size !== undefined ? 'the threshold was calibrated on batches of that size. Calibrate again with batches of this size.'
          : "the 'unbiased' estimator pairs each sample with one of the reference batch."));
  }
}

