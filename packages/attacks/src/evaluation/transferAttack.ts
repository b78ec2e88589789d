import { assert, describeValue } from '@robustjs/core';
import type { Attack, AttackOptions, Classifier, Defense, Images, JsonValue, Labels } from '@robustjs/core';
import type { Norm } from '../types';
import type { EvaluationAttack, EvaluationAttackContext, ThreatModel } from './types';

/** Options of {@link transferAttack}. */
export interface TransferAttackOptions<O extends AttackOptions> {
  /** The attack's name in reports, e.g. `'mma-transfer'`. */
  readonly name: string;
  /** The classifier attacked in place of the defense (e.g. the undefended classifier): `[N,H,W,C]` → `[N,K]`. */
  readonly source: Classifier;
  /** The source model, in words (e.g. `'the undefended classifier'`). */
  readonly sourceDescription: string;
  /** A classifier attack `(model, x, y, options) => images` of this package (pgd, mma, apgd, …). */
  readonly attack: Attack<O & { norm?: Norm; seed?: number }>;
  /** The attack's options besides `eps`, `norm` and `seed` (they come from the threat model and the batch seed). */
  readonly options: Readonly<Omit<O, 'eps' | 'norm' | 'seed'>>;
  /** The norms the attack supports; default `['linf', 'l2']`. */
  readonly norms?: readonly Norm[];
}

/**
 * A transfer (non-adaptive) attack for the evaluator: attack a fixed source classifier with a classifier attack and
 * hand its adversarial images to the defense. It measures what a defense does against examples not built for it
 * (e.g. whether DAD's detector flags MMA batches made on the undefended classifier); it is never the robustness
 * figure of a defense (use an adaptive attack through its surface for that).
 *
 * @param options - {@link TransferAttackOptions}.
 * @returns the attack (one candidate per batch); `seed` of the attack is the evaluator's batch seed.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a missing name, source or attack, or
 *   options that are not an object or hold `eps`, `norm` or `seed`; `check` throws for a norm the attack lacks.
 * @example
 * ```ts
 * const attack = transferAttack({ name: 'mma-transfer', source: classifier, sourceDescription: 'the classifier',
 *   attack: mma, options: { stepSize: 0.025, steps: 10, k: 3, confidence: 50 } });
 * ```
 */
export function transferAttack<O extends AttackOptions>(options: TransferAttackOptions<O>): EvaluationAttack {
  const fn = 'transferAttack';
  const { name, source, attack, sourceDescription } = options;
  assert(typeof name === 'string' && name.length > 0, 'INVALID_ARGUMENT', () =>
    `Option 'name' passed to '${fn}' must be a non-empty string, got ${describeValue(name)}.`);
  assert(typeof source === 'function', 'INVALID_ARGUMENT', () =>
    `Option 'source' passed to '${fn}' must be a classifier (x [N,H,W,C]) => logits [N,K], got ${describeValue(source)}.`);
  assert(typeof attack === 'function', 'INVALID_ARGUMENT', () =>
    `Option 'attack' passed to '${fn}' must be an attack (model, x, y, options) => images, got ${describeValue(attack)}.`);
  const given = options.options as Record<string, unknown>;
  assert(given !== null && typeof given === 'object' && !['eps', 'norm', 'seed'].some((k) => k in given), 'INVALID_ARGUMENT', () =>
    `Option 'options' passed to '${fn}' must be an object without eps, norm or seed (they come from the threat model), got ${describeValue(given)}.`);
  const norms = options.norms ?? ['linf', 'l2'];
  const settings = Object.freeze({ source: sourceDescription, ...(given as Record<string, JsonValue>) });
  return Object.freeze({
    name,
    settings,
    check(_defense: Defense, where: string, threat?: ThreatModel) {
      assert(threat === undefined || norms.includes(threat.norm), 'INVALID_ARGUMENT', () =>
        `Attack '${where}' (${name}) supports the norms ${norms.join(', ')}, not '${threat?.norm}'. Change the threat model or the attack.`);
    },
    describe: () => `transfer: ${name} on ${sourceDescription} (not adaptive: never the defense's robustness figure)`,
    run(_defense: Defense, x: Images, y: Labels, context: EvaluationAttackContext): Images[] {
      const { norm, eps } = context.threat;
      const xAdv = attack(source, x, y, { ...(given as O), eps, seed: context.seed, ...(norms.length > 1 ? { norm } : {}) });
      context.onProgress?.(x.shape[0]);
      return [xAdv];
    },
  });
}
