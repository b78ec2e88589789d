import { RobustError, assert, assertImages, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Images, NoisePredictor } from '@robustjs/core';
import { EPS_NORM_DEFAULTS, assertModel, epsNormUnchecked } from './epsNorm';
import { describeProcess, epsGrid, type DiffusionProcess } from './process';

/** The settings that produced a {@link SsniCalibration}; a call must use the same ones. */
export interface CalibrationSettings {
  /** T_S of the EPS estimate. */
  readonly steps: number;
  /** Seed of the EPS noise used on the reference set (also the default EPS seed of `ssniPurifier`). */
  readonly seed: number;
  /** The caller's identifier of the model (a name, version, file hash); `'unnamed'` when not given. */
  readonly modelId: string;
  /** Image shape `[H,W,C]` of the reference set. */
  readonly imageShape: readonly [number, number, number];
  /** The forward process, e.g. `"schedule:linear:T=1000:betaStart=0.0001:betaEnd=0.02"` or `"vpsde:0.1:20"`. */
  readonly process: string;
}

/** The plain JSON form of a {@link SsniCalibration}. */
export interface CalibrationJson {
  /** Format tag, `'robustjs-ssni-calibration'`. */
  readonly format: 'robustjs-ssni-calibration';
  /** Format version, `1`. */
  readonly version: 1;
  /** μ, mean EPS norm of the reference set. */
  readonly mean: number;
  /** Sample standard deviation (n − 1) of the reference norms; 0 for one image. */
  readonly std: number;
  /** ξ_min of the reference norms. */
  readonly min: number;
  /** ξ_max of the reference norms. */
  readonly max: number;
  /** Number of reference images. */
  readonly count: number;
  /** The settings that produced the statistics. */
  readonly settings: CalibrationSettings;
}

/**
 * Statistics of EPS norms on clean reference images (SSNI, [arXiv:2506.06027](https://arxiv.org/abs/2506.06027)): μ (SSNI-N), ξ_min / ξ_max (SSNI-L), the
 * standard deviation (a natural scale for τ), the count and the settings that produced them. Immutable and
 * serializable: `JSON.stringify(c)` and {@link SsniCalibration.fromJSON} round-trip.
 *
 * @example
 * ```ts
 * const c = SsniCalibration.fromJSON(JSON.parse(readFileSync('calibration.json', 'utf8')));
 * ```
 */
export class SsniCalibration {
  /** μ, the mean reference norm. */
  readonly mean: number;
  /** Sample standard deviation of the reference norms. */
  readonly std: number;
  /** ξ_min. */
  readonly min: number;
  /** ξ_max. */
  readonly max: number;
  /** Number of reference images. */
  readonly count: number;
  /** The settings in force. */
  readonly settings: CalibrationSettings;

  /**
   * Builds a calibration from statistics (use {@link calibrate} to measure them, {@link SsniCalibration.fromNorms}
   * from norms already computed).
   *
   * @param stats - `mean`, `std`, `min`, `max`, `count` and `settings`, as in {@link CalibrationJson}.
   * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` / `OUT_OF_RANGE` for non-finite or
   *   inconsistent numbers (min > mean, count < 1, …) or malformed settings.
   */
  constructor(stats: Omit<CalibrationJson, 'format' | 'version'>) {
    const fn = 'SsniCalibration';
    assert(typeof stats === 'object' && stats !== null, 'INVALID_ARGUMENT', () =>
      `Argument 'stats' passed to '${fn}' must be an object, got ${describeValue(stats)}.`);
    assertNumber(stats.count, 'count', fn, { integer: true, min: 1 });
    assertNumber(stats.min, 'min', fn, { min: 0 });
    assertNumber(stats.max, 'max', fn, { min: stats.min });
    assertNumber(stats.mean, 'mean', fn, { min: stats.min * (1 - 1e-6), max: stats.max * (1 + 1e-6) });
    assertNumber(stats.std, 'std', fn, { min: 0 });
    const s = stats.settings;
    assert(typeof s === 'object' && s !== null, 'INVALID_ARGUMENT', () => `Field 'settings' passed to '${fn}' must be an object.`);
    assertNumber(s.steps, 'settings.steps', fn, { integer: true, min: 1, max: 1000 });
    assertNumber(s.seed, 'settings.seed', fn, { integer: true });
    assert(typeof s.modelId === 'string' && typeof s.process === 'string', 'INVALID_ARGUMENT', () =>
      `Fields 'settings.modelId' and 'settings.process' passed to '${fn}' must be strings.`);
    assert(Array.isArray(s.imageShape) && s.imageShape.length === 3 && s.imageShape.every((d) => Number.isInteger(d) && d >= 1),
      'INVALID_ARGUMENT', () => `Field 'settings.imageShape' passed to '${fn}' must be [H,W,C], got ${describeValue(s.imageShape)}.`);
    this.mean = stats.mean;
    this.std = stats.std;
    this.min = stats.min;
    this.max = stats.max;
    this.count = stats.count;
    const [h, w, c] = s.imageShape;
    const imageShape: readonly [number, number, number] = Object.freeze([h, w, c] as const);
    this.settings = Object.freeze({ steps: s.steps, seed: s.seed, modelId: s.modelId, imageShape, process: s.process });
    Object.freeze(this);
  }

  /**
   * Statistics of norms already computed (e.g. by {@link epsNorm}).
   *
   * @param norms - the reference norms, at least one, each finite and ≥ 0.
   * @param settings - the settings that produced them.
   * @returns the calibration.
   * @throws {@link @robustjs/core!index.RobustError} `EMPTY_INPUT` for no norms, `INVALID_ARGUMENT` for bad values.
   * @example
   * ```ts
   * const c = SsniCalibration.fromNorms([1.2, 1.5, 1.1], { steps: 20, seed: 0, modelId: 'm', imageShape: [28, 28, 1], process: 'vpsde:0.1:20' });
   * ```
   */
  static fromNorms(norms: ArrayLike<number>, settings: CalibrationSettings): SsniCalibration {
    const n = norms.length;
    assert(n >= 1, 'EMPTY_INPUT', () => `Argument 'norms' passed to 'SsniCalibration.fromNorms' must hold at least one norm.`);
    let sum = 0;
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < n; i++) {
      const v = norms[i]!;
      assertNumber(v, `norms[${i}]`, 'SsniCalibration.fromNorms', { min: 0 });
      sum += v;
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const mean = sum / n;
    let sq = 0;
    for (let i = 0; i < n; i++) sq += (norms[i]! - mean) ** 2;
    return new SsniCalibration({ mean, std: n > 1 ? Math.sqrt(sq / (n - 1)) : 0, min, max, count: n, settings });
  }

  /**
   * Reads the JSON form written by `JSON.stringify(calibration)`.
   *
   * @param json - a parsed {@link CalibrationJson}.
   * @returns the calibration.
   * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` for another format or version, and the
   *   constructor's errors for bad numbers.
   * @example
   * ```ts
   * const again = SsniCalibration.fromJSON(JSON.parse(JSON.stringify(calibration)));
   * ```
   */
  static fromJSON(json: unknown): SsniCalibration {
    const j = json as Partial<CalibrationJson> | undefined;
    if (!j || j.format !== 'robustjs-ssni-calibration' || j.version !== 1) {
      throw new RobustError('CORRUPT_FILE', `Argument 'json' passed to 'SsniCalibration.fromJSON' is not a robustjs SSNI ` +
        `calibration (expected format 'robustjs-ssni-calibration', version 1), got ${describeValue(json)}. ` +
        'Write it with JSON.stringify(calibration).');
    }
    const { format: _f, version: _v, ...stats } = j as CalibrationJson;
    return new SsniCalibration(stats);
  }

  /**
   * The plain JSON form.
   *
   * @returns a {@link CalibrationJson}.
   * @example
   * ```ts
   * writeFileSync('calibration.json', JSON.stringify(calibration));
   * ```
   */
  toJSON(): CalibrationJson {
    return { format: 'robustjs-ssni-calibration', version: 1, mean: this.mean, std: this.std, min: this.min, max: this.max,
      count: this.count, settings: { ...this.settings, imageShape: [...this.settings.imageShape] as [number, number, number] } };
  }
}

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** T_S; default `20`. */
  readonly steps: number;
  /** Seed of the EPS noise; default `0`. */
  readonly seed: number;
  /** Rows per model call (see `EpsNormOptions.batchSize`); default `256`. */
  readonly batchSize: number;
  /** Your identifier of the model, stored and compared by `ssniPurifier`; default `'unnamed'`. */
  readonly modelId: string;
}

/** Defaults of {@link calibrate}: `steps = 20`, `seed = 0`, `batchSize = 256`, `modelId = 'unnamed'`. */
export const CALIBRATE_DEFAULTS: Readonly<CalibrateOptions> = Object.freeze({ ...EPS_NORM_DEFAULTS, modelId: 'unnamed' });

/**
 * Measures the clean reference statistics of SSNI (Sun et al., ICML 2025, [arXiv:2506.06027](https://arxiv.org/abs/2506.06027)): the EPS norms of `images` (clean data, the
 * paper uses 5,000 training images) and their mean, standard deviation, min and max, with the settings.
 *
 * @param model - the epsilon predictor.
 * @param process - its `NoiseSchedule` or `VpSde` (see {@link epsNorm} for the time input).
 * @param images - clean images `[N,H,W,C]` in [0,1], N ≥ 2 (≥ 1,000 recommended).
 * @param options - {@link CalibrateOptions}; defaults {@link CALIBRATE_DEFAULTS}.
 * @returns the calibration.
 * @throws {@link @robustjs/core!index.RobustError} as {@link epsNorm}, and `INVALID_ARGUMENT` for fewer than 2 images, before any work.
 * @example
 * ```ts
 * const calibration = calibrate(unet.predict, linearSchedule(), xTrain, { steps: 20, seed: 121, modelId: 'fmnist-unet' });
 * ```
 */
export function calibrate(model: NoisePredictor, process: DiffusionProcess, images: Images, options?: Partial<CalibrateOptions>): SsniCalibration {
  const fn = 'calibrate';
  const o = resolveOptions(fn, CALIBRATE_DEFAULTS, options);
  assertModel(model, fn);
  const processId = describeProcess(process, fn);
  assertImages(images, 'images', fn);
  assert(images.shape[0] >= 2, 'INVALID_ARGUMENT', () =>
    `Argument 'images' passed to '${fn}' must hold at least 2 images (the calibration's std of one norm is 0, ` +
      `which makes every later score infinite or zero), got ${images.shape[0]}. Calibrate on a clean reference set (e.g. 100+ images).`);
  epsGrid(process, o.steps, fn);
  assertNumber(o.seed, 'seed', fn, { integer: true });
  assertNumber(o.batchSize, 'batchSize', fn, { integer: true, min: 1 });
  const norms = epsNormUnchecked(model, process, images, o);
  const [, h, w, c] = images.shape;
  return SsniCalibration.fromNorms(norms, { steps: o.steps, seed: o.seed, modelId: o.modelId, imageShape: [h, w, c], process: processId });
}

/** Compares a call's settings with a calibration's (internal). */
export function assertMatches(calibration: SsniCalibration, call: { steps: number; imageShape?: readonly number[]; process: string; modelId?: string }, fn: string): void {
  const s = calibration.settings;
  const fix = 'Use the settings the calibration was made with, or calibrate again with these.';
  assert(call.steps === s.steps, 'INVALID_ARGUMENT', () =>
    `Option 'steps' (T_S) of '${fn}' must equal the calibration's T_S ${s.steps}, got ${call.steps}. ${fix}`);
  assert(call.process === s.process, 'INVALID_ARGUMENT', () =>
    `The forward process of '${fn}' must be the calibration's "${s.process}", got "${call.process}". ${fix}`);
  if (call.modelId !== undefined) {
    assert(call.modelId === s.modelId, 'INVALID_ARGUMENT', () =>
      `Option 'modelId' of '${fn}' must be the calibration's "${s.modelId}", got "${call.modelId}". ${fix}`);
  }
  if (call.imageShape !== undefined) {
    const got = call.imageShape;
    assert(got.length === 3 && got.every((d, i) => d === s.imageShape[i]), 'SHAPE_MISMATCH', () =>
      `Images passed to '${fn}' must have shape [N,${s.imageShape.join(',')}] like the calibration's reference set, ` +
        `got [N,${got.join(',')}]. ${fix}`);
  }
}
