/*
 * SSNI purification — Sun et al., ICML 2025, Algorithm 1 ([arXiv:2506.06027](https://arxiv.org/abs/2506.06027), code [tmlr-group/SSNI](https://github.com/tmlr-group/SSNI)).
 *
 * 1. e(x) = ‖EPS(x)‖₂ per sample (no gradient).  2. t_k(x) per stage by SSNI-N / SSNI-L with the stage's t_k*.
 * 3. Run the base purifier (DiffPure / GDMP / GNS, or a user's own timestep purifier) with those per-sample timesteps;
 *    SSNI-N runs K + b denoising steps per stage around a DiffusionPurifier (the reference code's defense setting).
 * 4. Return the purified images (and the norms and timesteps).
 */
import type * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Images, NoisePredictor } from '@robustjs/core';
import type { DiffusionPurifier } from '@robustjs/diffusion';
import { assertMatches, type SsniCalibration } from './calibration';
import type { SsniBase, SsniInfo, SsniPurifier, SsniPurifyOptions, SsniSettings } from './ssniTypes';
import { isPlainPurifier, type PlainTimestepPurifier } from './timestepPurifier';
import { assertModel, epsNormUnchecked, type EpsNorms } from './epsNorm';
import { describeProcess, type DiffusionProcess } from './process';
import { checkRuleParameters, ssniTimesteps, type SsniRule } from './reweight';

/** Options of {@link ssniPurifier}. */
export interface SsniPurifierOptions {
  /** `'ssni-n'` (sigmoid) or `'ssni-l'` (linear); default `'ssni-n'`. */
  readonly rule: SsniRule;
  /** τ of SSNI-N, > 0; default: the calibration's std (sweep 0.5–2 × std). */
  readonly tau: number | undefined;
  /** b, an integer ≥ 0; default `5` (the paper's value at t* = 100). */
  readonly bias: number;
  /**
   * Denoising steps added to every stage's K of a `DiffusionPurifier`: default `undefined` = b for SSNI-N (K + b,
   * as SSNI's code), 0 for SSNI-L. A plain timestep purifier has no step count to extend: 0 (the default there).
   */
  readonly extraSteps: number | undefined;
  /** The EPS model's forward process; default the base purifier's schedule (required for a plain timestep purifier). */
  readonly process: DiffusionProcess | undefined;
  /** Seed of the EPS noise; default the calibration's seed (norms are then a deterministic function of the batch). */
  readonly epsSeed: number | undefined;
  /** T_S of the EPS estimate; default the calibration's (another value is an error: the statistics would not apply). */
  readonly epsSteps: number | undefined;
  /** Rows per EPS model call (see `EpsNormOptions.batchSize`); default `256`. */
  readonly batchSize: number;
  /** Your model identifier; when given it must equal the calibration's. Default `undefined` (not compared). */
  readonly modelId: string | undefined;
}

/** Defaults of {@link ssniPurifier}. */
export const SSNI_PURIFIER_DEFAULTS: Readonly<SsniPurifierOptions> = Object.freeze({
  rule: 'ssni-n', tau: undefined, bias: 5, extraSteps: undefined, process: undefined, epsSeed: undefined, epsSteps: undefined, batchSize: 256, modelId: undefined,
});

/**
 * Wraps a diffusion purifier (`diffPure`, `gdmp`, `gns` of `@robustjs/diffusion`, or your own purifier made with
 * {@link timestepPurifier}) with SSNI (Sun et al., ICML 2025, [arXiv:2506.06027](https://arxiv.org/abs/2506.06027)):
 * each input's EPS norm e(x) sets its own timestep per stage, `t_k(x)` by SSNI-N or SSNI-L with that stage's t_k*,
 * and the base purifier runs with those per-sample timesteps (per-sample step matrix of SSNI's code). SSNI-N adds
 * b denoising steps to every stage (K + b, as the reference defense); SSNI-L keeps K and does not reproduce the
 * reference code's +b shift of the step matrix (a quirk). A plain timestep purifier has one stage (its
 * t*), receives t(x) as an int32 `[N]` tensor, and runs its own steps: `extraSteps` is 0 there (the SSNI-N default
 * `extraSteps = b` applies only to `DiffusionPurifier`s) and `process` is required. All settings are checked before
 * any work.
 *
 * @param base - the diffusion purifier (its `settings.stages` are the t*, `settings.steps` the K), or a
 *   {@link PlainTimestepPurifier} from `timestepPurifier(fn, { tStar, T })`.
 * @param model - the epsilon predictor EPS uses (usually the same as the base purifier's).
 * @param calibration - clean reference statistics from {@link calibrate} with the same model, T_S and image shape.
 * @param options - {@link SsniPurifierOptions}; defaults {@link SSNI_PURIFIER_DEFAULTS}: `rule = 'ssni-n'`,
 *   `tau = calibration.std`, `bias = 5`, `extraSteps = b (SSNI-N) / 0 (SSNI-L)`, `process = base schedule`,
 *   `epsSeed = calibration seed`, `batchSize = 256`.
 * @returns the {@link SsniPurifier}.
 * @throws {@link @robustjs/core!index.RobustError} `OUT_OF_RANGE` for τ ≤ 0 or t* − 1 + b beyond the schedule,
 *   `INVALID_ARGUMENT` for a bias that is not an integer ≥ 0, a calibration made with another process or model id,
 *   a non-purifier `base`, a plain timestep purifier with `extraSteps > 0` or without `process`; at call time `SHAPE_MISMATCH` for images of another shape than the calibration's and
 *   the base purifier's image errors — all before any model call.
 * @example
 * ```ts
 * const ssni = ssniPurifier(diffPure(unet.predict, schedule, { t: 100, steps: 20 }), unet.predict, calibration, { tau: calibration.std });
 * const { images, norms, timesteps } = ssni.purifyWithInfo(x, { seed: 1 });
 * // your own purifier: one stage, t(x) as an int32 [N] tensor, no extra steps
 * const mine = ssniPurifier(timestepPurifier(myPurify, { tStar: 100, T: 1000 }), myEps, calibration, { process: schedule });
 * ```
 */
export function ssniPurifier(base: DiffusionPurifier, model: NoisePredictor, calibration: SsniCalibration,
  options?: Partial<SsniPurifierOptions>): SsniPurifier<DiffusionPurifier>;
export function ssniPurifier(base: PlainTimestepPurifier, model: NoisePredictor, calibration: SsniCalibration,
  options?: Partial<SsniPurifierOptions>): SsniPurifier<PlainTimestepPurifier>;
export function ssniPurifier(base: SsniBase, model: NoisePredictor, calibration: SsniCalibration,
  options?: Partial<SsniPurifierOptions>): SsniPurifier<SsniBase>;
export function ssniPurifier(base: SsniBase, model: NoisePredictor, calibration: SsniCalibration,
  options?: Partial<SsniPurifierOptions>): SsniPurifier<SsniBase> {
  const fn = 'ssniPurifier';
  const o = resolveOptions(fn, SSNI_PURIFIER_DEFAULTS, options);
  const plain = isPlainPurifier(base);
  assert(plain || (typeof base === 'function' && typeof base.purify === 'function' && base.settings !== undefined &&
    Array.isArray(base.settings.stages) && typeof base.with === 'function'), 'INVALID_ARGUMENT', () =>
    `Argument 'base' passed to '${fn}' must be a DiffusionPurifier (diffPure, gdmp or gns of @robustjs/diffusion) or ` +
      `your own purifier wrapped as timestepPurifier(fn, { tStar, T }), got ${describeValue(base)}.`);
  assert(!plain || o.process !== undefined, 'INVALID_ARGUMENT', () =>
    `Option 'process' passed to '${fn}' is required around the plain timestep purifier '${(base as PlainTimestepPurifier).settings.name}' ` +
      '(it has no schedule SSNI could read): pass the NoiseSchedule or VpSde your noise predictor was trained with.');
  assert(!plain || o.extraSteps === undefined || o.extraSteps === 0, 'INVALID_ARGUMENT', () =>
    `Option 'extraSteps' passed to '${fn}' must be 0 around the plain timestep purifier '${(base as PlainTimestepPurifier).settings.name}', ` +
      `got ${describeValue(o.extraSteps)}: it has no step count SSNI could extend (its sampler owns its steps). Leave ` +
      'extraSteps unset, or add the steps inside your purifier.');
  assertModel(model, fn);
  assert(calibration !== null && typeof calibration === 'object' && typeof calibration.mean === 'number' &&
    calibration.settings !== undefined, 'INVALID_ARGUMENT', () =>
    `Argument 'calibration' passed to '${fn}' must be an SsniCalibration (from calibrate()), got ${describeValue(calibration)}.`);
  const process = o.process ?? (base as DiffusionPurifier).settings.schedule;
  const processId = describeProcess(process, fn);
  if (o.epsSteps !== undefined) assertNumber(o.epsSteps, 'epsSteps', fn, { integer: true, min: 1, max: 1000 });
  assertMatches(calibration, { steps: o.epsSteps ?? calibration.settings.steps, process: processId, ...(o.modelId === undefined ? {} : { modelId: o.modelId }) }, fn);
  const tau = o.tau ?? calibration.std;
  const T = plain ? base.settings.T : base.settings.schedule.T;
  for (const tStar of base.settings.stages) checkRuleParameters(o.rule, { tStar, tau, bias: o.bias, maxT: T }, fn);
  const extraSteps = plain ? 0 : o.extraSteps ?? (o.rule === 'ssni-n' ? o.bias : 0);
  assertNumber(extraSteps, 'extraSteps', fn, { integer: true, min: 0 });
  const epsSeed = o.epsSeed ?? calibration.settings.seed;
  assertNumber(epsSeed, 'epsSeed', fn, { integer: true });
  assertNumber(o.batchSize, 'batchSize', fn, { integer: true, min: 1 });
  const steps = plain ? [] : base.settings.steps.map((k) => k + extraSteps);
  const runner: SsniBase = plain || extraSteps === 0 ? base : base.with({ steps });
  const settings: SsniSettings = Object.freeze({
    rule: o.rule, tau, bias: o.bias, extraSteps, epsSteps: calibration.settings.steps, epsSeed, batchSize: o.batchSize,
    stages: Object.freeze([...base.settings.stages]), steps: Object.freeze(steps),
  });
  const epsOptions = Object.freeze({ steps: calibration.settings.steps, seed: epsSeed, batchSize: o.batchSize });

  const checkImages = (x: Images, call: string): void => {
    assertImages(x, 'x', call);
    const [, h, w, c] = x.shape;
    assertMatches(calibration, { steps: calibration.settings.steps, process: processId, imageShape: [h, w, c] }, call);
  };
  const stagesFor = (tStar: number | undefined, call: string): number[] => {
    if (tStar === undefined) return [...base.settings.stages];
    checkRuleParameters(o.rule, { tStar, tau, bias: o.bias, maxT: T }, call);
    return base.settings.stages.map(() => tStar);
  };
  const timestepsOf = (norms: ArrayLike<number>, stages: readonly number[]): Int32Array[] =>
    stages.map((tStar) => ssniTimesteps(norms, calibration, o.rule, { tStar, tau, bias: o.bias }));
  const normsOf = (x: Images): EpsNorms => epsNormUnchecked(model, process, x, epsOptions);

  let last: Omit<SsniInfo, 'images'> | undefined;
  const purifyWithInfo = (x: Images, opts: SsniPurifyOptions = {}): SsniInfo => {
    const call = 'ssniPurifier.purify';
    checkImages(x, call);
    const extra = Object.keys(opts).filter((k) => k !== 'seed' && k !== 'tStar');
    assert(extra.length === 0, 'UNKNOWN_OPTION', () => `'${call}' got unknown option(s) ${extra.join(', ')}; known: seed, tStar.`);
    const stages = stagesFor(opts.tStar, call);
    const norms = normsOf(x);
    const timesteps = timestepsOf(norms, stages);
    const images = runner.purify(x, { t: (k: number) => timesteps[k]!, ...(opts.seed === undefined ? {} : { seed: opts.seed }) });
    last = Object.freeze({ norms, timesteps: Object.freeze(timesteps) });
    return { images, norms, timesteps };
  };
  const purify = (x: Images, opts: SsniPurifyOptions = {}): tf.Tensor4D => purifyWithInfo(x, opts).images;
  const callable = (x: Images, tStar?: number, opts: { seed?: number } = {}): tf.Tensor4D =>
    purify(x, { ...opts, ...(tStar === undefined ? {} : { tStar }) });
  const out = Object.assign(callable, {
    purify,
    purifyWithInfo,
    norms: (x: Images): EpsNorms => {
      checkImages(x, 'ssniPurifier.norms');
      return normsOf(x);
    },
    timesteps: (norms: ArrayLike<number>, tStar?: number): Int32Array[] => timestepsOf(norms, stagesFor(tStar, 'ssniPurifier.timesteps')),
    base,
    runner,
    model,
    process,
    calibration,
    settings,
  });
  return Object.defineProperty(out, 'last', { get: () => last, enumerable: true }) as typeof out & Pick<SsniPurifier<SsniBase>, 'last'>;
}
