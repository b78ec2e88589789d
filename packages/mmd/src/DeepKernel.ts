/**
 * The deep kernel of Liu et al. 2020 (MMD-D) as used by DAD (ICML 2025, `train.py::train_mmd`).
 *
 * Citation: F. Liu, W. Xu, J. Lu, G. Zhang, A. Gretton, D. J. Sutherland, "Learning Deep Kernels for
 * Non-Parametric Two-Sample Tests", ICML 2020 (the deep kernel k_ω; code `DK-for-TST/utils_HD.py::MMDu`);
 * J. Zhang et al., "One Stone, Two Birds: Enhancing Adversarial Defense Through the Lens of Distributional
 * Discrepancy" (DAD), ICML 2025 ([arXiv:2503.02169](https://arxiv.org/abs/2503.02169), code `train.py::train_mmd`).
 *
 * | variable     | paper symbol | meaning |
 * |--------------|--------------|---------|
 * | `featurizer` | φ            | feature map, `[N,...]` → `[N,F]` |
 * | `dPhi`       | D_φ(a,b)     | ‖φ(a) − φ(b)‖² |
 * | `d0`         | D_0(a,b)     | ‖a − b‖² on the flattened inputs `[N,D0]` |
 * | `sigma0Root` | s0 (σ0 = s0²)| bandwidth of the feature term |
 * | `sigmaRoot`  | s  (σ = s²)  | bandwidth of the input term |
 * | `epsLogit`   | ε_raw (ε = sigmoid(ε_raw)) | weight of the plain input kernel |
 *
 * Steps of {@link DeepKernel.matrix}:
 * 1. `dPhi = pdist2(φ(a), φ(b))`, `d0 = pdist2(a, b)` (squared, clamped at 0).
 * 2. `σ0 = s0²`, `σ = s²`, `ε = sigmoid(ε_raw)`.
 * 3. $`k = (1 - \varepsilon)\, e^{-d_\varphi/\sigma_0 - d_0/\sigma} + \varepsilon\, e^{-d_0/\sigma}`$ (DAD's form of Liu et al.'s
 *    kernel, `dPhi` = $`d_\varphi`$, `d0` = $`d_0`$), evaluated as
 *    `exp(−d0/σ)·((1 − ε)·exp(−dPhi/σ0) + ε)`.
 *
 * Deviation, stated: DAD trains σ0 directly; here σ0 = s0² as in Liu et al. (always positive under Adam).
 * The initial value is DAD's in both cases: σ0 = the median cross-set feature distance.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, gaussianGram, resolveOptions } from '@robustjs/core';
import { assertBatch, assertSameFeatures } from './assertBatch';
import { medianOfSorted } from './medianSqDist';
import { centredGram, pairwiseSqDistImpl } from './pairwiseSqDist';
import type { Embedding, Featurizer, Kernel } from './types';

/** The deep kernel's parameters in the paper's units: σ0 > 0, σ > 0 and ε in (0,1). */
export interface DeepKernelParams {
  /** Bandwidth σ0 of the feature term `exp(−D_φ/σ0)`. */
  readonly sigma0: number;
  /** Bandwidth σ of the input term `exp(−D_0/σ)`. */
  readonly sigma: number;
  /** Weight ε of the plain input kernel, in (0,1). */
  readonly eps: number;
}

/** The trainable scalars exactly as stored (float32 values), for lossless save and load. */
export interface DeepKernelState {
  /** s0, with σ0 = s0². */
  readonly sigma0Root: number;
  /** s, with σ = s². */
  readonly sigmaRoot: number;
  /** ε_raw, with ε = sigmoid(ε_raw). */
  readonly epsLogit: number;
}

/** Options of {@link DeepKernel.fromData}. */
export interface DeepKernelInitOptions {
  /** σ; default `2·D0` (DAD's `2·32·32 = 2048` for 32×32 inputs, generalised to D0 input features). */
  readonly sigma?: number;
  /** Initial ε; default `1e-10` (DAD: ε ≈ u·1e−10, u ~ U(0,1); fixed here for determinism). */
  readonly eps?: number;
  /** Rows of each set used for the median (quadratic cost); default 1000. */
  readonly maxSamples?: number;
}

const INIT_DEFAULTS = { sigma: undefined as number | undefined, eps: 1e-10, maxSamples: 1000 } as const;

/**
 * The deep kernel `k(a,b) = (1−ε)·exp(−D_φ(a,b)/σ0 − D_0(a,b)/σ) + ε·exp(−D_0(a,b)/σ)` with its three
 * scalars held as `tf.Variable`s (s0, s, ε_raw), and any featurizer φ. A {@link Kernel}: `embed(x)` is
 * `[φ(x) [N,F], flatten(x) [N,D0]]` and `matrix` turns two embeddings into `[Nx,Ny]`.
 * Without a featurizer φ is the identity (flatten), and D_φ = D_0.
 *
 * Owns its variables: call {@link DeepKernel.dispose} when done (the featurizer stays the caller's).
 *
 * @example
 * ```ts
 * const kernel = DeepKernel.fromData(clean, adversarial, { featurizer: penultimate }); // DAD init
 * const k = kernel.apply(x, y); // [Nx,Ny]
 * kernel.dispose();
 * ```
 */
export class DeepKernel implements Kernel {
  /** φ; `undefined` means the identity (the flattened input). */
  readonly featurizer: Featurizer | undefined;
  /** s0, σ0 = s0². */
  readonly sigma0Root: tf.Variable;
  /** s, σ = s². */
  readonly sigmaRoot: tf.Variable;
  /** ε_raw, ε = sigmoid(ε_raw). */
  readonly epsLogit: tf.Variable;

  /**
   * @param params - σ0 > 0, σ > 0, ε in (0,1).
   * @param featurizer - φ; default the identity.
   * @throws {@link @robustjs/core!index.RobustError} `OUT_OF_RANGE` / `INVALID_ARGUMENT` for a parameter out of its range,
   *   `INVALID_ARGUMENT` for a featurizer that is neither a function nor a `tf.LayersModel`.
   */
  constructor(params: DeepKernelParams, featurizer?: Featurizer) {
    const fn = 'DeepKernel';
    assert(typeof params === 'object' && params !== null, 'INVALID_ARGUMENT', () =>
      `Argument 'params' passed to '${fn}' must be {sigma0, sigma, eps}, got ${describeValue(params)}.`);
    assertNumber(params.sigma0, 'params.sigma0', fn, { greaterThan: 0 });
    assertNumber(params.sigma, 'params.sigma', fn, { greaterThan: 0 });
    assertNumber(params.eps, 'params.eps', fn, { greaterThan: 0 });
    assertNumber(params.eps, 'params.eps', fn, { max: 1 - 1e-7 });
    assert(featurizer === undefined || featurizer instanceof tf.LayersModel || typeof featurizer === 'function', 'INVALID_ARGUMENT', () =>
      `Argument 'featurizer' passed to '${fn}' must be a function [N,...] → [N,F] or a tf.LayersModel, got ${describeValue(featurizer)}.`);
    this.featurizer = featurizer;
    const scalar = (v: number): tf.Variable => tf.tidy(() => tf.variable(tf.scalar(v), true)); // the variable keeps the data
    this.sigma0Root = scalar(Math.sqrt(params.sigma0));
    this.sigmaRoot = scalar(Math.sqrt(params.sigma));
    this.epsLogit = scalar(Math.log(params.eps) - Math.log1p(-params.eps));
  }

  /**
   * DAD's initialisation from the two training sets: σ0 = median of `D_φ(x_i, y_j)` over the cross
   * pairs, σ = `2·D0` unless given, ε = 1e-10 unless given.
   *
   * @param x - first sample `[N,...]` (e.g. clean inputs), float32, finite.
   * @param y - second sample `[M,...]` (e.g. adversarial inputs), same per-sample shape.
   * @param options - `featurizer` (default identity), `sigma` (default `2·D0`), `eps` (default 1e-10),
   *   `maxSamples` for the median (default 1000).
   * @returns a new kernel.
   * @throws {@link @robustjs/core!index.RobustError} for bad inputs (rank, NaN, shape mismatch), unknown options, or a
   *   median feature distance of 0 (all features equal: the featurizer is constant on these inputs).
   * @example
   * ```ts
   * const kernel = DeepKernel.fromData(clean, adversarial, { featurizer: phi });
   * ```
   */
  static fromData(x: tf.Tensor, y: tf.Tensor, options: DeepKernelInitOptions & { readonly featurizer?: Featurizer } = {}): DeepKernel {
    const fn = 'DeepKernel.fromData';
    const { featurizer, ...rest } = options;
    const cfg = resolveOptions(fn, INIT_DEFAULTS, rest);
    assertNumber(cfg.maxSamples, 'maxSamples', fn, { integer: true, min: 1 });
    assertBatch(x, 'x', fn);
    assertBatch(y, 'y', fn);
    assertSameFeatures(x, y, ['x', 'y'], fn);
    const probe = new DeepKernel({ sigma0: 1, sigma: 1, eps: 0.5 }, featurizer);
    const d = tf.tidy(() => {
      const xs = tf.slice(x, 0, Math.min(x.shape[0] as number, cfg.maxSamples));
      const ys = tf.slice(y, 0, Math.min(y.shape[0] as number, cfg.maxSamples));
      return pairwiseSqDistImpl(probe.features(xs, fn), probe.features(ys, fn)); // [nx,ny]
    });
    probe.dispose();
    const sigma0 = medianOfSorted(Float32Array.from(d.dataSync()).sort());
    d.dispose();
    assert(sigma0 > 0 && Number.isFinite(sigma0), 'INVALID_ARGUMENT', () =>
      `'${fn}' found a median feature distance of ${sigma0} between 'x' and 'y': the featurizer maps (almost) all inputs ` +
        'to the same point, so no bandwidth can be set. Check the featurizer, or construct new DeepKernel({sigma0, sigma, eps}).');
    const d0 = x.size / (x.shape[0] as number);
    return new DeepKernel({ sigma0, sigma: cfg.sigma ?? 2 * d0, eps: cfg.eps }, featurizer);
  }

  /** Builds a kernel from exactly stored values (see {@link DeepKernel.state}); used by `MmdDetector.load`. */
  static fromState(state: DeepKernelState, featurizer?: Featurizer): DeepKernel {
    const kernel = new DeepKernel({ sigma0: 1, sigma: 1, eps: 0.5 }, featurizer);
    tf.tidy(() => {
      kernel.sigma0Root.assign(tf.scalar(state.sigma0Root));
      kernel.sigmaRoot.assign(tf.scalar(state.sigmaRoot));
      kernel.epsLogit.assign(tf.scalar(state.epsLogit));
    });
    return kernel;
  }

  /** The current σ0, σ and ε (reads the variables back). */
  get params(): DeepKernelParams {
    const { sigma0Root, sigmaRoot, epsLogit } = this.state();
    return { sigma0: sigma0Root * sigma0Root, sigma: sigmaRoot * sigmaRoot, eps: 1 / (1 + Math.exp(-epsLogit)) };
  }

  /** The stored scalars (s0, s, ε_raw) exactly, as float32 values. */
  state(): DeepKernelState {
    const read = (v: tf.Variable): number => (v.dataSync() as Float32Array)[0] as number;
    return { sigma0Root: read(this.sigma0Root), sigmaRoot: read(this.sigmaRoot), epsLogit: read(this.epsLogit) };
  }

  /**
   * φ(x) flattened to `[N,F]` (the flattened input when there is no featurizer). Not tidy: call it
   * inside `tf.tidy`.
   *
   * @param x - a batch `[N,...]`.
   * @param fn - the public function asking, for messages; default `'DeepKernel.features'`.
   */
  features(x: tf.Tensor, fn = 'DeepKernel.features'): tf.Tensor2D {
    const n = x.shape[0] as number;
    if (this.featurizer === undefined) return tf.reshape(x, [n, -1]); // [N,D0]
    const out = this.featurizer instanceof tf.LayersModel ? this.featurizer.apply(x) : this.featurizer(x);
    assert(out instanceof tf.Tensor && out.rank >= 2 && out.shape[0] === n, 'INVALID_ARGUMENT', () =>
      `The featurizer used by '${fn}' must map a batch [N,...] to features [N,F] with N = ${n}, got ` +
        `${out instanceof tf.Tensor ? `shape ${describeValue(out.shape)}` : describeValue(out)}. ` +
        'Return one feature row per input (for a tf.LayersModel: a single output).');
    return tf.reshape(out, [n, -1]); // [N,F]
  }

  /** `[φ(x) [N,F], flatten(x) [N,D0]]` (one view when φ is the identity). Not tidy. */
  embed(x: tf.Tensor): Embedding {
    const raw = tf.reshape(x, [x.shape[0] as number, -1]) as tf.Tensor2D; // [N,D0]
    return this.featurizer === undefined ? [raw] : [this.features(x, 'DeepKernel.embed'), raw];
  }

  /** Kernel matrix `[Nx,Ny]` between two embeddings (steps 1–3 of the file header). Not tidy. */
  matrix(a: Embedding, b: Embedding): tf.Tensor2D {
    const last = (e: Embedding): tf.Tensor2D => e[e.length - 1] as tf.Tensor2D;
    const sigma0 = tf.square(this.sigma0Root) as tf.Scalar;
    const sigma = tf.square(this.sigmaRoot) as tf.Scalar;
    const eps = tf.sigmoid(this.epsLogit);
    const g0 = centredGram(last(a), last(b));
    const input = gaussianGram(g0.xy, g0.xx, g0.yy, sigma); // exp(−D0/σ)
    // without a featurizer φ is the identity: the same Gram form serves both terms
    const gPhi = a.length === 1 ? g0 : centredGram(a[0] as tf.Tensor2D, b[0] as tf.Tensor2D);
    const feature = gaussianGram(gPhi.xy, gPhi.xx, gPhi.yy, sigma0); // exp(−Dφ/σ0)
    return tf.mul(input, tf.add(tf.mul(tf.sub(1, eps), feature), eps)) as tf.Tensor2D; // [Nx,Ny]
  }

  /**
   * The kernel matrix between two batches, validated and tidy.
   *
   * @param x - `[Nx,...]`, float32, finite.
   * @param y - `[Ny,...]`, same per-sample shape.
   * @returns `[Nx,Ny]`.
   * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT`, `EMPTY_INPUT`, `NOT_FINITE`, `SHAPE_MISMATCH`.
   */
  apply(x: tf.Tensor, y: tf.Tensor): tf.Tensor2D {
    const fn = 'DeepKernel.apply';
    assertBatch(x, 'x', fn);
    assertBatch(y, 'y', fn);
    assertSameFeatures(x, y, ['x', 'y'], fn);
    return tf.tidy(() => this.matrix(this.embed(x), this.embed(y)));
  }

  /**
   * The variables MMD-OPT updates: s0, s, ε_raw, plus the featurizer's trainable weights when
   * `includeFeaturizer` and φ is a `tf.LayersModel`.
   *
   * @param includeFeaturizer - also return φ's trainable weights; default false.
   */
  trainableVariables(includeFeaturizer = false): tf.Variable[] {
    const own = [this.sigma0Root, this.sigmaRoot, this.epsLogit];
    if (!includeFeaturizer || !(this.featurizer instanceof tf.LayersModel)) return own;
    // LayerVariable.read() returns the underlying tf.Variable, typed as its Tensor base.
    return [...own, ...this.featurizer.trainableWeights.map((w) => w.read() as tf.Variable)];
  }

  /** Disposes the three variables (not the featurizer, which belongs to the caller). */
  dispose(): void {
    tf.dispose([this.sigma0Root, this.sigmaRoot, this.epsLogit]);
  }
}
