/**
 * Shared types of `@robustjs/mmd`: kernels, featurizers, kernel matrices and test results.
 *
 * @packageDocumentation
 */
import type * as tf from '@tensorflow/tfjs';
import type { MmdOptProgress } from './trainMmdOpt';

/**
 * Row-aligned views of one batch, as a {@link Kernel} embeds it: each view is `[N,E_k]` and row `i`
 * of every view belongs to sample `i`. A Gaussian kernel has one view (the flattened input); the
 * deep kernel has two, `φ(x)` `[N,F]` and the flattened input `[N,D0]`.
 */
export type Embedding = readonly tf.Tensor2D[];

/**
 * A kernel split in two so that features are computed once per sample, never once per pair:
 * `embed` maps a batch `[N,...]` to its {@link Embedding}; `matrix` maps two embeddings
 * (`N_x` and `N_y` rows) to the kernel matrix `[Nx,Ny]`. Both are pure tensor functions and
 * differentiable where the kernel's parameters are.
 */
export interface Kernel {
  /** Batch `[N,...]` → row-aligned views `[N,E_k]`. */
  embed(x: tf.Tensor): Embedding;
  /** Embeddings of `Nx` and `Ny` rows → kernel matrix `[Nx,Ny]`. */
  matrix(a: Embedding, b: Embedding): tf.Tensor2D;
}

/**
 * The feature map φ of the deep kernel: a batch `[N,...]` → features `[N,F]` (any `[N,...]` output
 * is flattened to `[N,F]`). Either a plain function (treated as frozen) or a `tf.LayersModel`
 * (frozen by default; trainable by MMD-OPT with `trainFeaturizer: true`, and saved with the detector).
 */
export type Featurizer = tf.LayersModel | ((x: tf.Tensor) => tf.Tensor);

/** The three kernel matrices of a two-sample problem: `Kxx` `[Nx,Nx]`, `Kyy` `[Ny,Ny]`, `Kxy` `[Nx,Ny]`. */
export interface KernelMatrices {
  /** `k(x_i, x_j)`, `[Nx,Nx]`. */
  readonly kxx: tf.Tensor2D;
  /** `k(y_i, y_j)`, `[Ny,Ny]`. */
  readonly kyy: tf.Tensor2D;
  /** `k(x_i, y_j)`, `[Nx,Ny]`. */
  readonly kxy: tf.Tensor2D;
}

/** The MMD² estimators: the U-statistic (`'unbiased'`) and the V-statistic (`'biased'`). */
export type Mmd2Estimator = 'unbiased' | 'biased';

/** What a two-sample test returns. */
export interface TestResult {
  /** The observed statistic (MMD² by the test's estimator). */
  readonly statistic: number;
  /** `(1 + #{null statistics ≥ statistic}) / (1 + draws)`: a valid p-value under H0. */
  readonly pValue: number;
  /** The `(1 − alpha)` quantile of the null statistics: `statistic > threshold` ⇔ `pValue ≤ alpha` (ties aside). */
  readonly threshold: number;
}

/** What `MmdDetector.predict` returns for one batch. */
export interface MmdDetection {
  /** MMD² (by the configured estimator) between the reference batch and this batch. */
  readonly statistic: number;
  /** The calibrated threshold. */
  readonly threshold: number;
  /** `statistic > threshold`. */
  readonly isAdversarial: boolean;
  /** `(1 + #{calibration statistics ≥ statistic}) / (1 + #calibration batches)`: the empirical p-value under "clean". */
  readonly pValue: number;
}

/** Options of `MmdDetector.calibrate`. */
export interface MmdCalibrateOptions {
  /** Target false-alarm rate in (0,1); default 0.05. Needs at least ⌈1/fpr⌉ clean batches. */
  readonly fpr?: number;
  /** From a pool tensor: number of random clean batches to draw; default 100. */
  readonly batches?: number;
  /** From a pool tensor: samples per batch; default `referenceSize`. Predict on batches of this size. */
  readonly batchSize?: number;
  /** From a pool tensor: seed of the draws; default 0. */
  readonly seed?: number;
}

/** Options of `MmdDetector.fit`. */
export interface MmdFitOptions {
  /** Called after every MMD-OPT step; default none. */
  readonly onStep?: (progress: MmdOptProgress) => void;
}
