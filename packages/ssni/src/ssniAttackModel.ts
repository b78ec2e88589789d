/*
 * SSNI's adaptive attack model — Sun et al., ICML 2025, §5 ("adaptive white-box PGD+EOT"; [arXiv:2506.06027](https://arxiv.org/abs/2506.06027),
 * `Whitebox_PGD`): at every PGD iteration recompute each input's EPS norm and t(x) on the current iterate without
 * gradient, then backpropagate through a short surrogate purification chain run with those timesteps (Lee & Kim
 * 2023); the EOT draws of one iteration share the same t.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, Logits } from '@robustjs/core';
import type { DiffusionPurifier, GradientMode } from '@robustjs/diffusion';
import type { EpsNorms } from './epsNorm';
import type { SsniBase, SsniPurifier } from './ssniTypes';
import { isPlainPurifier } from './timestepPurifier';

/** Options of {@link ssniAttackModel}. */
export interface SsniAttackModelOptions {
  /**
   * Denoising steps of the surrogate chain, one number for every stage or one per stage; default `undefined` = 20 per
   * stage. Around a plain timestep purifier it must stay `undefined`: the surrogate is the purifier itself.
   */
  readonly surrogateSteps: number | readonly number[] | undefined;
  /**
   * Gradient mode of the surrogate chain: `'full'`, `'checkpoint'` (same gradient, bounded memory; `DiffusionPurifier`s
   * only) or `'bpda'`; default `'full'`.
   */
  readonly gradient: GradientMode;
  /** EOT draws averaged per call when the model is called without a seed; default `1`. */
  readonly eotSamples: number;
  /** Seed of the stream of per-call draw seeds; default `0`. */
  readonly seed: number;
}

/** Defaults of {@link ssniAttackModel}: `surrogateSteps = undefined` (20 per stage), `gradient = 'full'`, `eotSamples = 1`, `seed = 0`. */
export const SSNI_ATTACK_MODEL_DEFAULTS: Readonly<SsniAttackModelOptions> = Object.freeze({
  surrogateSteps: undefined, gradient: 'full', eotSamples: 1, seed: 0,
});

/**
 * The attacked pipeline "SSNI purification then classifier" as a differentiable model for attacks. Call it as a
 * `Classifier` `(x) => mean logits over eotSamples draws`, or as an attacks-package `RandomizedClassifier`
 * `(x, seed) => logits of one draw` (e.g. inside `eot(...)`).
 */
export interface SsniAttackModel<B extends SsniBase = DiffusionPurifier> {
  /** Logits `[N,K]` of `x` `[N,H,W,C]`: one draw with `seed`, else the mean of `eotSamples` draws. */
  (x: Images, seed?: number): Logits;
  /**
   * The surrogate purifier (base with the surrogate step counts and gradient mode, no extra steps; a plain timestep
   * purifier with the gradient mode).
   */
  readonly surrogate: B;
  /** Norms and per-stage timesteps computed for the last distinct input (`undefined` before the first call). */
  readonly last:
    | { readonly norms: EpsNorms; readonly timesteps: readonly Int32Array[] }
    | undefined;
  /** How many times norms were computed (once per distinct input tensor, i.e. once per PGD iteration). */
  readonly normEvaluations: number;
}

/**
 * SSNI's adaptive attack hook (Sun et al., ICML 2025, [arXiv:2506.06027](https://arxiv.org/abs/2506.06027), §5). On every call with a new input tensor (every PGD iteration) it
 * computes the EPS norms of the current `x` off the gradient tape and the per-stage timesteps with the SSNI
 * purifier's rule, then returns `classifier(surrogate(x, t(x)))`, differentiable through the surrogate chain (the
 * base purifier with `surrogateSteps` steps per stage, no +b steps: the reference attack runs 20). The timestep map is
 * not differentiated (it is piecewise constant anyway).
 *
 * EOT draws of one iteration share one t: the timesteps are cached per input tensor (tfjs tensor ids are never
 * reused, and the EPS noise is seeded, so the same `x` always gives the same t). Both forms work:
 * `pgd(ssniAttackModel(h, ssni, { eotSamples: 4 }), x, y)` averages 4 draws inside one call, and
 * `pgd(eot(ssniAttackModel(h, ssni), { samples: 4 }), x, y)` (the attacks package's wrapper calls the model 4 times
 * with the same `x` and distinct seeds) computes the norms once per iteration too.
 *
 * @param classifier - the classifier, images `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * @param ssni - the SSNI purifier under attack.
 * @param options - {@link SsniAttackModelOptions}; defaults {@link SSNI_ATTACK_MODEL_DEFAULTS}: `surrogateSteps` 20 per stage,
 *   `gradient = 'full'`, `eotSamples = 1`, `seed = 0`.
 * @returns the attack model.
 * Around a plain timestep purifier (`timestepPurifier(fn, { tStar, T })`) the surrogate is the purifier itself: gradients
 * go through your function (`'full'`) or around it (`'bpda'`).
 *
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a non-function classifier, a non-SSNI purifier,
 *   surrogate steps that are not integers ≥ 1 (or not one per stage), `eotSamples < 1`, surrogate steps or
 *   `'checkpoint'` around a plain timestep purifier; `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const model = ssniAttackModel(classifier, ssni, { surrogateSteps: 10, eotSamples: 4 });
 * const xAdv = pgd(model, x, y, { eps: 0.1, steps: 20, stepSize: 0.0125 });
 * ```
 */
export function ssniAttackModel<B extends SsniBase>(classifier: Classifier, ssni: SsniPurifier<B>,
  options?: Partial<SsniAttackModelOptions>): SsniAttackModel<B> {
  const fn = 'ssniAttackModel';
  const o = resolveOptions(fn, SSNI_ATTACK_MODEL_DEFAULTS as SsniAttackModelOptions, options);
  assert(typeof classifier === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'classifier' passed to '${fn}' must be a function (x [N,H,W,C] in [0,1]) => logits [N,K], got ${describeValue(classifier)}.`);
  assert(typeof ssni === 'function' && typeof ssni.norms === 'function' && ssni.base !== undefined, 'INVALID_ARGUMENT', () =>
    `Argument 'ssni' passed to '${fn}' must be an SsniPurifier (from ssniPurifier()), got ${describeValue(ssni)}.`);
  const base: SsniBase = ssni.base;
  const nStages = base.settings.stages.length;
  const given = o.surrogateSteps ?? 20;
  const steps = typeof given === 'number' ? new Array<number>(nStages).fill(given) : Array.isArray(given) ? [...given] : [];
  if (isPlainPurifier(base)) {
    assert(o.surrogateSteps === undefined, 'INVALID_ARGUMENT', () =>
      `Option 'surrogateSteps' passed to '${fn}' must be left unset around the plain timestep purifier '${base.settings.name}', ` +
        `got ${describeValue(o.surrogateSteps)}: it has no step count; the surrogate is the purifier itself.`);
    assert(o.gradient === 'full' || o.gradient === 'bpda', 'INVALID_ARGUMENT', () =>
      `Option 'gradient' passed to '${fn}' must be 'full' or 'bpda' around the plain timestep purifier '${base.settings.name}', ` +
        `got ${describeValue(o.gradient)} ('checkpoint' needs a DiffusionPurifier's step chain).`);
  } else {
    assert(steps.length === nStages, 'SHAPE_MISMATCH', () =>
      `Option 'surrogateSteps' passed to '${fn}' must be one number or one per stage (${nStages}), got ${describeValue(given)}.`);
    steps.forEach((k, i) => assertNumber(k, `surrogateSteps[${i}]`, fn, { integer: true, min: 1 }));
  }
  assertNumber(o.eotSamples, 'eotSamples', fn, { integer: true, min: 1 });
  assertNumber(o.seed, 'seed', fn, { integer: true });
  const surrogate = isPlainPurifier(base)
    ? base.with({ gradient: o.gradient as 'full' | 'bpda' })
    : base.with({ steps, gradient: o.gradient });
  const seeds = seedStream(o.seed);

  let cachedId = -1;
  let last: { norms: EpsNorms; timesteps: readonly Int32Array[] } | undefined;
  let normEvaluations = 0;
  const timestepsFor = (x: Images): readonly Int32Array[] => {
    if (x.id !== cachedId || last === undefined) {
      const norms = ssni.norms(x); // untaped: no gradient flows through t(x)
      last = Object.freeze({ norms, timesteps: Object.freeze(ssni.timesteps(norms)) });
      cachedId = x.id;
      normEvaluations++;
    }
    return last.timesteps;
  };
  const draw = (x: Images, ts: readonly Int32Array[], seed: number): Logits =>
    tf.tidy(() => classifier(surrogate.purify(x, { t: (k: number) => ts[k]!, seed })));

  const model = (x: Images, seed?: number): Logits => {
    const ts = timestepsFor(x);
    if (seed !== undefined) return draw(x, ts, seed);
    return tf.tidy(() => {
      let sum = draw(x, ts, seeds.next() + 1);
      for (let s = 1; s < o.eotSamples; s++) sum = tf.add(sum, draw(x, ts, seeds.next() + 1));
      return tf.div(sum, o.eotSamples) as Logits;
    });
  };
  Object.defineProperty(model, 'surrogate', { value: surrogate, enumerable: true });
  Object.defineProperty(model, 'last', { get: () => last, enumerable: true });
  Object.defineProperty(model, 'normEvaluations', { get: () => normEvaluations, enumerable: true });
  return model as SsniAttackModel<B>;
}
