import type * as tf from '@tensorflow/tfjs';

/** A batch of images: `[N,H,W,C]` float32 with every value in [0,1]. */
export type Images = tf.Tensor4D;

/** Class labels: `[N]` int32, each in [0, K). */
export type Labels = tf.Tensor1D;

/** Classifier outputs before softmax: `[N,K]` float32. */
export type Logits = tf.Tensor2D;

/**
 * The threat model's norm: `'linf'` (max-abs per pixel) or `'l2'` (Euclidean over the whole image).
 *
 * @example
 * ```ts
 * const norm: Norm = 'l2';
 * const xAdv = projectToBall(candidate, x, 0.5, norm);
 * ```
 */
export type Norm = 'linf' | 'l2';

/** Per-sample diffusion timesteps: `[N]` int32 (discrete index in [0, T)) or float32 (continuous). */
export type Timesteps = tf.Tensor1D;

/**
 * A differentiable classifier: images `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * Any normalisation (mean/std, resizing) lives inside the function, never in attacks or purifiers.
 * A whole defense pipeline (purifier then classifier) is also a `Classifier`.
 */
export type Classifier = (x: Images) => Logits;

/**
 * An epsilon-predicting diffusion model: `xt` `[N,H,W,C]` in the diffusion range [-1,1] and
 * per-sample discrete timesteps `t` `[N]` in [0, T) → predicted noise `[N,H,W,C]`.
 * SSNI needs only this plus a noise schedule.
 */
export type NoisePredictor = (xt: tf.Tensor4D, t: Timesteps) => tf.Tensor4D;

/** Options every purifier accepts. */
export interface PurifierOptions {
  /** Seed of the purifier's randomness; same seed → same output on the same backend. */
  readonly seed?: number;
}

/** A purifier: images `[N,H,W,C]` in [0,1] → purified images of the same shape, in [0,1]. */
export type Purifier = (x: Images, options?: PurifierOptions) => Images;

/**
 * A purifier whose strength is set per sample by a timestep: `t` is `[N]` (or a scalar broadcast to
 * all samples), the noise level each image is diffused to before denoising.
 */
export interface TimestepPurifier {
  (x: Images, t: Timesteps | number, options?: PurifierOptions): Images;
}

/** What a detector says about one input (a sample or a batch, by detector). */
export interface DetectionRecord {
  /** The detector's statistic; larger means more likely adversarial. */
  readonly score: number;
  /** The decision threshold in force. */
  readonly threshold: number;
  /** `score > threshold`. */
  readonly isAdversarial: boolean;
  /** The p-value of the statistic under "clean", when the detector computes one. */
  readonly pValue?: number;
}

/** Options of {@link Detector.calibrate}. */
export interface CalibrateOptions {
  /** Target false-alarm rate on clean data, in (0,1); default chosen by each detector (usually 0.05). */
  readonly fpr?: number;
}

/**
 * An adversarial-input detector split into score, calibrate and predict.
 * `predict` is only "score > threshold".
 *
 * `X` is what the detector judges: images `[N,H,W,C]` in [0,1] (the default) or, for a
 * detector that works on a featurizer's output, feature matrices `[N,D]` (`Detector<tf.Tensor2D>`).
 *
 * @typeParam X - the input batch: `Images` (default) or e.g. `tf.Tensor2D` for features `[N,D]`.
 * @example
 * ```ts
 * const onImages: Detector = mmdDetector.asDetector();
 * const onFeatures: Detector<tf.Tensor2D> = featureDetector.asDetector<tf.Tensor2D>();
 * ```
 */
export interface Detector<X extends tf.Tensor = Images> {
  /** Scores each sample (or batch): `[N,...]` in, `[N]` (or `[1]` for batch detectors) out. */
  score(x: X): tf.Tensor1D;
  /** Sets and returns the threshold from clean data at the target false-alarm rate. */
  calibrate(xClean: X, options?: CalibrateOptions): number;
  /** Typed decisions, one record per sample (or one per batch). */
  predict(x: X): DetectionRecord[];
}

/** Options every attack accepts; each attack extends it with its own. */
export interface AttackOptions {
  /** Perturbation budget in the attack's norm. */
  readonly eps?: number;
  /** Seed of the attack's randomness (random start, EOT draws). */
  readonly seed?: number;
}

/**
 * An attack: `(model, x, y, options) => adversarial images` of the same shape, inside the eps-ball
 * around `x` and inside [0,1]. Differentiable through any model (a defense included) that is.
 */
export type Attack<O extends AttackOptions = AttackOptions> = (model: Classifier, x: Images, y: Labels, options?: O) => Images;
