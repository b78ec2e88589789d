/**
 * DAD's inference rule (Zhang et al., ICML 2025, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169); code `adaptive_whitebox_attack.py::eval_test`).
 *
 * | variable    | paper symbol      | meaning |
 * |-------------|-------------------|---------|
 * | `detector`  | MMD-OPT, R        | a fitted `MmdDetector` holding the clean reference batch R |
 * | `threshold` | θ                 | calibrated on clean-vs-R statistics at a stated false-alarm rate |
 * | `denoiser`  | g                 | the trained {@link Denoiser} |
 * | `classifier`| h                 | the frozen classifier |
 *
 * Steps, per batch B: 1. m = MMD²_b(R, B); 2. m ≤ θ → logits = h(B); 3. otherwise
 * logits = h(g(clip(B + clip(N(0, 0.25²), 0, 1), 0, 1))). Every image of a flagged batch is denoised.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Classifier, Defense, Images, Logits } from '@robustjs/core';
import { MmdDetector } from '@robustjs/mmd';
import { addClampedNoise } from './addClampedNoise';
import type { DadAlwaysDenoiseInfo } from './dadAlwaysDenoise';
import { dadAsDefense, type DadAsDefenseOptions, type DadDefenseInfo } from './dadAsDefense';
import { Denoiser } from './Denoiser';

/** What {@link dadDefense} is built from. */
export interface DadDefenseOptions {
  /** h: images `[N,H,W,C]` in [0,1] → logits `[N,K]`, frozen. */
  readonly classifier: Classifier;
  /** A fitted `MmdDetector` (its reference batch R and MMD-OPT kernel). */
  readonly detector: MmdDetector;
  /** g, trained with {@link trainDenoiser}. */
  readonly denoiser: Denoiser;
  /** θ on MMD²_b(R, B), e.g. `detector.calibrate(cleanPool, { fpr: 0.01, batchSize: 100 })`. Required. */
  readonly threshold: number | undefined;
  /** Smallest batch the defense accepts; default the detector's `referenceSize` (the threshold depends on the batch size: calibrate at this size). */
  readonly minBatchSize?: number;
  /** Std of the clamped noise added before denoising; default 0.25 (DAD). */
  readonly noiseStd?: number;
}

/** The route DAD takes for one batch. */
export interface DadRoute {
  /** m = MMD²_b(R, B). */
  readonly statistic: number;
  /** θ. */
  readonly threshold: number;
  /** `statistic > threshold`: the batch is denoised. */
  readonly flagged: boolean;
}

/**
 * The DAD defense as a classifier: `defense(x, seed?)` returns logits `[N,K]` for a batch, routed as in the
 * file header. Differentiable end to end through the route taken (the routing itself is piecewise constant),
 * so attacks, and `eot` from `@robustjs/attacks` (it is a `RandomizedClassifier`), run through it.
 */
export interface DadDefense {
  /**
   * Classifies one batch: `[N,H,W,C]` in [0,1], N ≥ `minBatchSize` → logits `[N,K]`.
   *
   * @param x - the batch.
   * @param seed - seed of the clamped noise on the denoised route (an integer ≥ 1); default unseeded.
   */
  (x: Images, seed?: number): Logits;
  /** θ. */
  readonly threshold: number;
  /** The smallest batch accepted. */
  readonly minBatchSize: number;
  /** Per-image shape `[H,W,C]` accepted (the denoiser's `inputShape`). */
  readonly imageShape: readonly [number, number, number];
  /** h, the detector and g, as given. */
  readonly parts: { readonly classifier: Classifier; readonly detector: MmdDetector; readonly denoiser: Denoiser };
  /** Std of the clamped noise. */
  readonly noiseStd: number;
  /** Validates a batch (rank, range, size, image shape) and throws the defense's errors; no tensor work beyond the range check. */
  check(x: unknown, name: string, fn: string): asserts x is Images;
  /** The route for one batch (validated), without classifying. */
  route(x: Images): DadRoute;
  /** Logits along a given route, unvalidated and not tidy-wrapped (for attacks): h(x), or h(g(noisy x)) when `flagged`. */
  branch(x: Images, flagged: boolean, seed?: number): Logits;
  /**
   * This defense behind core's `Defense` contract, for the evaluator of `@robustjs/attacks` and the CLI: by default in
   * the paper's routing mode (detect per batch, denoise flagged batches, pass the rest); with
   * `mode: 'always-denoise'` every batch is denoised and the detector is never called (below).
   *
   * - `classify(x, { seed, keepImages })`: route = `route(x)`; logits = `branch(x, route.flagged, seed)` `[N,K]`;
   *   info `{ statistic, threshold, flagged }`; kept images `[N,H,W,C]`: flagged → clip(g(addClampedNoise(x,
   *   { std: noiseStd, seed })), 0, 1), else a copy of x.
   * - `surface`: `model(x, seed)` = the route taken on x (computed once per input tensor, so EOT draws on one
   *   iterate share it), then `branch(x, flagged, seed)`; randomized; gradient `'exact'`; term `statistic`
   *   (MMD²_b(R, B) `[1]`, differentiable, threshold θ); recommended attack `'dad-adaptive'` with `objectives`
   *   ({@link dadAdaptiveEvaluationAttack}); `minBatchSize` as here.
   * - `describe()`: kind `'dad'`, settings `{ mode: 'routing', threshold, noiseStd, minBatchSize, objectives, ...settings }`.
   * - `dispose()` frees nothing: the classifier, detector and denoiser stay the caller's.
   *
   * Mode `'always-denoise'` (a per-image defense; θ and the detector play no role):
   * - `classify(x, { seed, keepImages })`: any batch N ≥ 1 of the denoiser's image shape; logits =
   *   `branch(x, true, seed)` `[N,K]`; info `{}`; kept images clip(g(addClampedNoise(x, { std: noiseStd, seed })), 0, 1).
   * - `surface`: `model(x, seed)` = `branch(x, true, seed)`; randomized (when `noiseStd` > 0); gradient `'exact'`;
   *   no terms; recommended attack `'pgd-eot'`; `minBatchSize` 1.
   * - `describe()`: kind `'dad'`, settings `{ mode: 'always-denoise', noiseStd, minBatchSize: 1, ...settings }`.
   * - `dadAdaptiveEvaluationAttack` refuses it (its objectives are about the detector).
   *
   * @param options - {@link DadAsDefenseOptions}: `mode` (`'routing'`), `label` (`'DAD'`; `'DAD (always denoise)'`),
   *   `modifies` (`'Undefended'`), `objectives` (`['detect', 'evade', 'threshold']`; routing only), `settings` (`{}`,
   *   extra JSON such as where θ came from).
   * @returns the defense; its info records are {@link DadDefenseInfo} (routing) or `{}` (always-denoise).
   * @throws {@link @robustjs/core!index.RobustError} `UNKNOWN_OPTION`; `INVALID_ARGUMENT` for an unknown mode (the
   *   message lists the valid ones), an empty label, an unknown or repeated objective, objectives given in
   *   always-denoise mode, settings that are not JSON or that set one of the defense's own keys; at `classify` time
   *   `UNKNOWN_OPTION`, `INVALID_ARGUMENT` for a seed that is not an integer ≥ 1, and the batch errors of
   *   {@link DadDefense.check} (always-denoise: the same without the batch-size minimum), before any work.
   * @example
   * ```ts
   * const defense = dadDefense({ classifier, detector, denoiser, threshold }).asDefense({ settings: { thresholdFrom: 'manifest' } });
   * const { logits, info } = defense.classify(batch, { seed: 1 }); // [100,10], { statistic, threshold, flagged }
   * const always = dadDefense({ classifier, detector, denoiser, threshold }).asDefense({ mode: 'always-denoise' });
   * const one = always.classify(batch.slice(0, 1), { seed: 1 }); // logits [1,10], info {}
   * ```
   */
  asDefense(options?: DadAsDefenseOptions & { readonly mode?: 'routing' }): Defense<DadDefenseInfo>;
  /**
   * The defense in `'always-denoise'` mode: every batch through noise → denoiser → classifier, no detector, any
   * batch size ≥ 1 (see the routing overload for the options).
   *
   * @param options - {@link DadAsDefenseOptions} with `mode: 'always-denoise'` (no `objectives`).
   * @returns a core `Defense` whose info is `{}`.
   * @throws {@link @robustjs/core!index.RobustError} as the routing overload.
   * @example
   * ```ts
   * const always = dad.asDefense({ mode: 'always-denoise' }); // attack it with pgdEotAttack
   * ```
   */
  asDefense(options: DadAsDefenseOptions & { readonly mode: 'always-denoise' }): Defense<DadAlwaysDenoiseInfo>;
  /**
   * The defense in the mode `options.mode` when it is only known as the union type.
   *
   * @param options - {@link DadAsDefenseOptions}; `mode` defaults to `'routing'`.
   * @returns the routing or the always-denoise `Defense`.
   * @throws {@link @robustjs/core!index.RobustError} as the routing overload.
   * @example
   * ```ts
   * const defense = dad.asDefense({ mode }); // mode: DadDefenseMode
   * ```
   */
  asDefense(options?: DadAsDefenseOptions): Defense<DadDefenseInfo> | Defense<DadAlwaysDenoiseInfo>;
}

const DEFAULTS = {
  classifier: undefined as Classifier | undefined,
  detector: undefined as MmdDetector | undefined,
  denoiser: undefined as Denoiser | undefined,
  threshold: undefined as number | undefined,
  minBatchSize: undefined as number | undefined,
  noiseStd: 0.25,
} as const;

/**
 * Builds DAD's detect-then-denoise defense (Zhang et al., ICML 2025; steps in the file header). All
 * arguments are checked here, before any tensor work; each call checks its batch first.
 *
 * @param options - {@link DadDefenseOptions}: `classifier`, `detector`, `denoiser`, `threshold` (required),
 *   `minBatchSize` (detector's referenceSize), `noiseStd` (0.25).
 * @returns the defense, a {@link DadDefense}.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a missing part or a threshold never
 *   calibrated (missing or not finite) or a detector never fitted, `OUT_OF_RANGE` for a negative threshold,
 *   `UNKNOWN_OPTION`; at call time `INVALID_ARGUMENT` for a seed that is not an integer ≥ 1; at call time `SHAPE_MISMATCH` for a batch smaller than
 *   `minBatchSize` or images of another size than the denoiser's, and the image checks of core.
 * @example
 * ```ts
 * const threshold = detector.calibrate(cleanPool, { fpr: 0.01, batchSize: 100, batches: 200 });
 * const defense = dadDefense({ classifier, detector, denoiser, threshold });
 * const predictions = tf.argMax(defense(batch, 1), 1); // [100]
 * ```
 */
export function dadDefense(options: DadDefenseOptions): DadDefense {
  const fn = 'dadDefense';
  const cfg = resolveOptions(fn, DEFAULTS, options);
  const { classifier, detector, denoiser, threshold } = cfg;
  assert(typeof classifier === 'function', 'INVALID_ARGUMENT', () =>
    `Option 'classifier' passed to '${fn}' must be a Classifier (images [N,H,W,C] → logits [N,K]), got ${describeValue(classifier)}.`);
  assert(detector instanceof MmdDetector, 'INVALID_ARGUMENT', () =>
    `Option 'detector' passed to '${fn}' must be a fitted MmdDetector from @robustjs/mmd, got ${describeValue(detector)}.`);
  assert(denoiser instanceof Denoiser, 'INVALID_ARGUMENT', () =>
    `Option 'denoiser' passed to '${fn}' must be a Denoiser, got ${describeValue(denoiser)}.`);
  assert(typeof threshold === 'number' && Number.isFinite(threshold), 'INVALID_ARGUMENT', () =>
    `Option 'threshold' passed to '${fn}' must be a finite number calibrated on clean batches, got ${describeValue(threshold)}: ` +
      'the threshold was never calibrated. Pass threshold: detector.calibrate(cleanPool, { fpr: 0.01, batchSize: 100 }).');
  assertNumber(threshold, 'threshold', fn, { min: 0 }); // MMD²_b ≥ 0: a negative θ would flag every batch
  assert(detector.isFitted, 'INVALID_ARGUMENT', () =>
    `Option 'detector' passed to '${fn}' must be a fitted MmdDetector, got one without a trained kernel. ` +
      'Call await detector.fit(clean, adversarial) first, or restore one with MmdDetector.load(bytes, featurizer).');
  const minBatchSize = cfg.minBatchSize ?? detector.config.referenceSize;
  assertNumber(minBatchSize, 'minBatchSize', fn, { integer: true, min: 1 });
  assertNumber(cfg.noiseStd, 'noiseStd', fn, { min: 0 });
  const imageShape = denoiser.config.inputShape;
  const noiseStd = cfg.noiseStd;

  const check: (x: unknown, name: string, where: string) => asserts x is Images = (x, name, where) => {
    assert(x instanceof tf.Tensor && x.rank === 4, 'INVALID_ARGUMENT', () =>
      `Argument '${name}' passed to '${where}' must be a batch of images [N,${imageShape.join(',')}] in [0,1], got ${x instanceof tf.Tensor ? `shape ${describeValue(x.shape)}` : describeValue(x)}.`);
    assert((x.shape[0] as number) >= minBatchSize, 'SHAPE_MISMATCH', () =>
      `Argument '${name}' passed to '${where}' must hold at least ${minBatchSize} images (the detector's threshold was calibrated on batches of that size), ` +
        `got ${x.shape[0]}. Classify whole batches of ${minBatchSize}: pad a short last batch with images of another batch, or calibrate at a smaller batch size.`);
    assert(x.shape.slice(1).every((d: number, i: number) => d === imageShape[i]), 'SHAPE_MISMATCH', () =>
      `Argument '${name}' passed to '${where}' must have per-image shape [${imageShape.join(',')}] like the reference batch and the denoiser, ` +
        `got ${describeValue(x.shape.slice(1))}. Resize or pad the images the way the training data was.`);
    assertImages(x, name, where);
  };
  const statistic = (x: Images): number => {
    const s = detector.score(x);
    const v = (s.dataSync() as Float32Array)[0] as number;
    s.dispose();
    return v;
  };
  const branch = (x: Images, flagged: boolean, seed?: number): Logits =>
    flagged ? classifier(denoiser.apply(addClampedNoise(x, { std: noiseStd, ...(seed === undefined ? {} : { seed }) }))) : classifier(x);
  const defense = ((x: Images, seed?: number): Logits => {
    check(x, 'x', 'DadDefense');
    assert(seed === undefined || (Number.isInteger(seed) && seed >= 1), 'INVALID_ARGUMENT', () =>
      `Argument 'seed' passed to 'DadDefense' must be an integer ≥ 1 (tfjs treats 0 as unseeded), got ${describeValue(seed)}.`);
    const flagged = statistic(x) > threshold;
    return tf.tidy(() => branch(x, flagged, seed));
  }) as DadDefense;
  const route = (x: Images): DadRoute => {
    check(x, 'x', 'DadDefense.route');
    const m = statistic(x);
    return { statistic: m, threshold, flagged: m > threshold };
  };
  return Object.assign(defense, {
    threshold, minBatchSize, imageShape, noiseStd, check, route, branch,
    parts: Object.freeze({ classifier, detector, denoiser }),
    asDefense: ((options?: DadAsDefenseOptions) => dadAsDefense(defense, options)) as DadDefense['asDefense'],
  });
}
