/*
 * SSNI reweighting — Sun, Zhang, Ye, Xiao & Liu, "Sample-specific noise injection for diffusion-based adversarial
 * purification", ICML 2025, §3 (SSNI-N, SSNI-L); exact code form from `robust_eval_model.py`
 * ([arXiv:2506.06027](https://arxiv.org/abs/2506.06027), code [tmlr-group/SSNI](https://github.com/tmlr-group/SSNI)).
 *
 * Notation (code → paper): norms → e(x) = ‖EPS(x)‖₂, mean → μ, tau → τ, bias → b, tStar → t*, tStar − 1 → T*,
 * refMin/refMax with the batch → ξ_min / ξ_max.
 *
 * SSNI-N: t_i = round( sigmoid((e_i − μ)/τ) · (T* + b) ), in [0, T* + b].
 * SSNI-L: t_i = round( (e_i − ξ_min) · T* / (ξ_max − ξ_min) + b ), ξ over the reference set ∪ the batch, in [b, T* + b].
 * round = half to even (torch.round / Python round). No clipping beyond what the formulas imply.
 */
import { RobustError, assert, assertNumber, describeValue } from '@robustjs/core';

/** The two reweighting rules: `'ssni-n'` (sigmoid) and `'ssni-l'` (linear). */
export type SsniRule = 'ssni-n' | 'ssni-l';

/** Reference statistics a rule reads (a {@link SsniCalibration} has them). */
export interface RuleStatistics {
  /** μ (SSNI-N). */
  readonly mean: number;
  /** ξ_min of the reference set (SSNI-L). */
  readonly min: number;
  /** ξ_max of the reference set (SSNI-L). */
  readonly max: number;
}

/** Parameters of a rule for one stage. */
export interface RuleParameters {
  /** The stage's default timestep t* ≥ 1 (the formulas use T* = t* − 1). */
  readonly tStar: number;
  /** Temperature τ > 0 of SSNI-N (unused by SSNI-L). */
  readonly tau: number;
  /** Bias b, an integer ≥ 0 (the paper's default 5 at t* = 100). */
  readonly bias: number;
  /** When given, the largest timestep the purifier's schedule allows (T); `t* − 1 + b` must not exceed it. */
  readonly maxT?: number;
}

/**
 * Rounds half to even, like `torch.round` and Python's `round` (the reference code's rounding).
 *
 * @param v - a finite number.
 * @returns the nearest integer, ties to the even one.
 * @example
 * ```ts
 * roundHalfEven(52.5); // 52
 * roundHalfEven(53.5); // 54
 * ```
 */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Checks the rule parameters (internal; also used up front by the purifier). */
export function checkRuleParameters(rule: SsniRule, p: RuleParameters, fn: string): void {
  assert(rule === 'ssni-n' || rule === 'ssni-l', 'INVALID_ARGUMENT', () =>
    `Option 'rule' passed to '${fn}' must be 'ssni-n' or 'ssni-l', got ${describeValue(rule)}.`);
  assertNumber(p.tStar, 'tStar', fn, { integer: true, min: 1 });
  if (rule === 'ssni-n') {
    assert(typeof p.tau === 'number' && Number.isFinite(p.tau) && p.tau > 0, 'OUT_OF_RANGE', () =>
      `Option 'tau' passed to '${fn}' must be a finite number > 0 (the sigmoid's temperature), got ${describeValue(p.tau)}. ` +
        'A good start is the calibration std (calibration.std); τ → 0 is a hard step, which SSNI-N does not allow here.');
  }
  assert(typeof p.bias === 'number' && Number.isInteger(p.bias) && p.bias >= 0, 'INVALID_ARGUMENT', () =>
    `Option 'bias' passed to '${fn}' must be an integer ≥ 0 (extra timesteps b), got ${describeValue(p.bias)}. ` +
      'The paper uses 5 at t* = 100; scale it with t*.');
  if (p.maxT !== undefined) {
    assert(p.tStar - 1 + p.bias <= p.maxT, 'OUT_OF_RANGE', () =>
      `t* − 1 + b passed to '${fn}' must not exceed the schedule's T = ${p.maxT} (the largest timestep a sample can get), ` +
        `got t* = ${p.tStar}, b = ${p.bias} (${p.tStar - 1 + p.bias}). Lower t* or b, or use a longer schedule.`);
  }
}

function readNorms(norms: ArrayLike<number>, fn: string): number[] {
  assert(norms !== null && typeof norms === 'object' && typeof norms.length === 'number', 'INVALID_ARGUMENT', () =>
    `Argument 'norms' passed to '${fn}' must be an array of EPS norms, got ${describeValue(norms)}.`);
  const out = Array.from(norms);
  out.forEach((v, i) => assertNumber(v, `norms[${i}]`, fn, { min: 0 }));
  return out;
}

type RuleFn = (e: readonly number[], stats: RuleStatistics, p: RuleParameters) => Int32Array;

const RULES: Record<SsniRule, RuleFn> = {
  'ssni-n': (e, stats, p) => {
    const top = p.tStar - 1 + p.bias; // T* + b
    return Int32Array.from(e, (v) => roundHalfEven(top / (1 + Math.exp(-(v - stats.mean) / p.tau))));
  },
  'ssni-l': (e, stats, p) => {
    const lo = Math.min(stats.min, ...e);
    const hi = Math.max(stats.max, ...e);
    const span = hi - lo;
    // all norms equal (reference and batch): the ratio is 0/0; every sample gets b
    return Int32Array.from(e, (v) => roundHalfEven(span > 0 ? ((v - lo) * (p.tStar - 1)) / span + p.bias : p.bias));
  },
};

/**
 * SSNI's per-sample timesteps from EPS norms, exactly as the reference code (Sun et al., ICML 2025,
 * [arXiv:2506.06027](https://arxiv.org/abs/2506.06027), `robust_eval_model.py`, with T* = t* − 1):
 * - `'ssni-n'`: $`t_i = \operatorname{round}\bigl(\operatorname{sigmoid}((e_i - \mu)/\tau)\,(t^* - 1 + b)\bigr)`$, an integer in
 *   [0, t* − 1 + b];
 * - `'ssni-l'`: $`t_i = \operatorname{round}\bigl((e_i - \xi_{\min})(t^* - 1)/(\xi_{\max} - \xi_{\min}) + b\bigr)`$ with
 *   ξ_min / ξ_max over the reference
 *   set **and the current batch** (so a sample's t depends on its batch), an integer in [b, t* − 1 + b]; when every
 *   norm is equal, `t_i = b`.
 * `round` is half to even. The purifier then injects noise at index `max(t_i − 1, 0)`. For a multi-stage purifier
 * (GDMP, GNS) call it once per stage with that stage's t*: `t_k(x) = round(sigmoid((e − μ)/τ)(t_k* − 1 + b))`.
 *
 * @param norms - EPS norms e(x), one per sample, each ≥ 0.
 * @param stats - μ, ξ_min, ξ_max (a {@link SsniCalibration}).
 * @param rule - `'ssni-n'` or `'ssni-l'`.
 * @param params - `tStar`, `tau` (SSNI-N), `bias`, optional `maxT`; see {@link RuleParameters}.
 * @returns per-sample integer timesteps, `Int32Array` of the norms' length.
 * @throws {@link @robustjs/core!index.RobustError} `OUT_OF_RANGE` for τ ≤ 0 (SSNI-N), t* < 1 or t* − 1 + b > maxT;
 *   `INVALID_ARGUMENT` for a bias that is not an integer ≥ 0, an unknown rule or negative / non-finite norms.
 * @example
 * ```ts
 * ssniTimesteps([1.0, 2.0, 3.0], { mean: 2, min: 1, max: 3 }, 'ssni-n', { tStar: 100, tau: 1, bias: 5 }); // [28, 52, 77]
 * ```
 */
export function ssniTimesteps(norms: ArrayLike<number>, stats: RuleStatistics, rule: SsniRule, params: RuleParameters): Int32Array {
  const fn = 'ssniTimesteps';
  checkRuleParameters(rule, params, fn);
  if (stats === null || typeof stats !== 'object') {
    throw new RobustError('INVALID_ARGUMENT', `Argument 'stats' passed to '${fn}' must hold mean, min and max (a calibration), got ${describeValue(stats)}.`);
  }
  assertNumber(stats.mean, 'stats.mean', fn);
  assertNumber(stats.min, 'stats.min', fn);
  assertNumber(stats.max, 'stats.max', fn, { min: stats.min });
  return RULES[rule](readNorms(norms, fn), stats, params);
}
