/**
 * DAD's adaptive PGD+EOT ({@link dadAdaptiveAttack}) as an `EvaluationAttack` of `@robustjs/attacks`: one candidate
 * batch per objective, so the evaluator takes the per-sample worst case over them.
 *
 * @packageDocumentation
 */
import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { Defense, Images, Labels } from '@robustjs/core';
import type { EvaluationAttack, EvaluationAttackContext } from '@robustjs/attacks';
import { DAD_ADAPTIVE_ATTACK_DEFAULTS, dadAdaptiveAttack, type DadObjective } from './dadAdaptiveAttack';
import { dadDefenseOf } from './dadAsDefense';
import type { DadDefense } from './dadDefense';
import { DAD_OBJECTIVES, DAD_OBJECTIVE_TEXT, assertObjectives } from './objectives';

/** Options of {@link dadAdaptiveEvaluationAttack}. */
export interface DadAdaptiveEvaluationAttackOptions {
  /** The objectives, one candidate each, in order; default `['detect', 'evade', 'threshold']`. */
  readonly objectives?: readonly DadObjective[];
  /** PGD steps; default 20. */
  readonly steps?: number;
  /** Step size; default `null` = 2.5·ε/steps. */
  readonly stepSize?: number | null;
  /** EOT noise draws per step on the denoised route; default 4. */
  readonly eot?: number;
  /** Random start in the ε-ball; default true. */
  readonly randomStart?: boolean;
  /** α of `'detect'`; default 0.01. */
  readonly alpha?: number;
  /** λ of `'evade'` and `'threshold'`; default 100. */
  readonly lambda?: number;
  /** `'threshold'`: m is pushed down while above margin·θ; in (0, 1], default 0.9. */
  readonly margin?: number;
  /**
   * Mixed batches (Chen et al. 2022): the fraction p ∈ (0, 1] of each test batch the attacker controls, the first
   * round(p·B) images; the rest stay clean test images, routed with the batch (reported apart as bystanders);
   * default 1.
   */
  readonly fraction?: number;
}

/** Defaults of {@link dadAdaptiveEvaluationAttack}: all three objectives, 20 steps, step 2.5·ε/steps, EOT 4, random start, α 0.01, λ 100, margin 0.9. */
export const DAD_ADAPTIVE_EVALUATION_ATTACK_DEFAULTS = Object.freeze({
  objectives: DAD_OBJECTIVES,
  steps: DAD_ADAPTIVE_ATTACK_DEFAULTS.steps,
  stepSize: undefined as number | null | undefined, // null or undefined: 2.5·ε/steps
  eot: DAD_ADAPTIVE_ATTACK_DEFAULTS.eot,
  randomStart: DAD_ADAPTIVE_ATTACK_DEFAULTS.randomStart,
  alpha: DAD_ADAPTIVE_ATTACK_DEFAULTS.alpha,
  lambda: DAD_ADAPTIVE_ATTACK_DEFAULTS.lambda,
  margin: DAD_ADAPTIVE_ATTACK_DEFAULTS.margin,
  fraction: 1,
});

/**
 * DAD's adaptive attack for the evaluator (`'dad-adaptive'`), against a defense made by {@link DadDefense.asDefense}.
 * For the objectives [o_0, o_1, …] and the evaluator's batch seed s, candidate i is
 * `dadAdaptiveAttack(dad, x, y, { objective: o_i, norm, eps, stepSize: stepSize ?? 2.5·eps/steps, steps, eot,
 * randomStart, alpha, lambda, margin, seed: s + i })`, the DadDefense `dad` behind the defense; `onProgress` gets
 * round(B·(i+1)/objectives.length) after each.
 *
 * @param options - {@link DadAdaptiveEvaluationAttackOptions}; defaults {@link DAD_ADAPTIVE_EVALUATION_ATTACK_DEFAULTS}.
 * @returns the attack: `run` returns one candidate `[B,H,W,C]` per objective, each within the threat model, in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} `UNKNOWN_OPTION`; `INVALID_ARGUMENT` for an unknown or repeated
 *   objective, steps or eot that are not integers (≥ 0, ≥ 1), a step size ≤ 0, α or λ < 0, margin outside (0, 1];
 *   a fraction outside (0, 1]; `check` and `run` throw `INVALID_ARGUMENT` for a defense not made by `asDefense()` of
 *   a {@link DadDefense}. Against `asDefense({ mode: 'always-denoise' })` it is a transfer attack: the candidates are
 *   crafted against the routing mode of the same parts (batches of at least the detector's reference size).
 * @example
 * ```ts
 * const defense = dadDefense({ classifier, detector, denoiser, threshold }).asDefense();
 * const attack = dadAdaptiveEvaluationAttack({ steps: 20, eot: 4 });
 * const candidates = attack.run(defense, x, y, { threat: { norm: 'linf', eps: 0.1 }, seed: 1 }); // 3 × [100,28,28,1]
 * ```
 */
export function dadAdaptiveEvaluationAttack(options?: DadAdaptiveEvaluationAttackOptions): EvaluationAttack {
  const fn = 'dadAdaptiveEvaluationAttack';
  const o = resolveOptions(fn, DAD_ADAPTIVE_EVALUATION_ATTACK_DEFAULTS, options);
  assertObjectives(o.objectives, 'objectives', fn);
  assertNumber(o.steps, 'steps', fn, { integer: true, min: 0 });
  const stepSize = o.stepSize ?? null;
  if (stepSize !== null) assertNumber(stepSize, 'stepSize', fn, { greaterThan: 0 });
  assertNumber(o.eot, 'eot', fn, { integer: true, min: 1 });
  assert(typeof o.randomStart === 'boolean', 'INVALID_ARGUMENT', () =>
    `Option 'randomStart' passed to '${fn}' must be true or false, got ${describeValue(o.randomStart)}.`);
  assertNumber(o.alpha, 'alpha', fn, { min: 0 });
  assertNumber(o.lambda, 'lambda', fn, { min: 0 });
  assertNumber(o.margin, 'margin', fn, { greaterThan: 0, max: 1 });
  assertNumber(o.fraction, 'fraction', fn, { greaterThan: 0, max: 1 });
  const objectives = Object.freeze([...o.objectives]);
  const { steps, eot, randomStart, alpha, lambda, margin, fraction } = o;
  const mixed = fraction < 1;
  const settings = Object.freeze({
    objectives: [...objectives], steps, stepSize, eot, randomStart, alpha, lambda, margin, ...(mixed ? { fraction } : {}),
  });
  const controlled = (size: number): number => Math.round(fraction * size);

  const dadOf = (defense: Defense, where: string): DadDefense => {
    const found = typeof defense === 'object' && defense !== null ? dadDefenseOf(defense) : undefined;
    assert(found !== undefined, 'INVALID_ARGUMENT', () =>
      `Attack '${where}' (dad-adaptive) needs a DAD defense made by dadDefense({...}).asDefense() from @robustjs/dad ` +
        `(it attacks the detector statistic and the route), got ${defense?.label === undefined ? describeValue(defense) : `defense '${defense.label}'`}. ` +
        "Attack other defenses with 'pgd-eot' or another attack of @robustjs/attacks.");
    return found.dad;
  };
  return Object.freeze({
    name: 'dad-adaptive',
    settings,
    candidates: [...objectives],
    ...(mixed ? { controlled } : {}),
    check(defense: Defense, where: string) {
      dadOf(defense, where);
    },
    describe(defense: Defense) {
      const text = (b: DadObjective): string => DAD_OBJECTIVE_TEXT[b].replace('0.01·', `${o.alpha}·`)
        .replaceAll('100·', `${o.lambda}·`).replace('0.9·θ', `${o.margin}·θ`);
      const what = objectives.map(text).join('; ');
      const worst = objectives.length > 1 ? '; worst case per image' : '';
      const share = mixed ? `; mixed batches: the attacker controls the first ${fraction} of each batch, the rest clean` : '';
      const transfer = dadDefenseOf(defense)?.mode === 'always-denoise'
        ? '; transfer: crafted against DAD in routing mode (same detector, θ, denoiser), classified by this defense'
        : '';
      return `DAD's adaptive PGD+EOT through detector, denoiser and classifier (${what}${worst}${share})${transfer}`;
    },
    run(defense: Defense, x: Images, y: Labels, context: EvaluationAttackContext): Images[] {
      const dad = dadOf(defense, fn);
      const { norm, eps } = context.threat;
      const step = stepSize ?? (2.5 * eps) / Math.max(steps, 1);
      const n = x.shape[0];
      const k = mixed ? controlled(n) : n;
      const out: Images[] = [];
      try {
        objectives.forEach((objective, i) => {
          out.push(dadAdaptiveAttack(dad, x, y, {
            objective, norm, eps, stepSize: step, steps, eot, randomStart, alpha, lambda, margin, seed: context.seed + i,
            ...(mixed ? { controlled: k } : {}),
          }));
          context.onProgress?.(Math.round((n * (i + 1)) / objectives.length));
        });
      } catch (e) {
        for (const t of out) t.dispose();
        throw e;
      }
      return out;
    },
  });
}
