import { assert, assertNumber, resolveOptions } from '@robustjs/core';
import type { Defense, Images, Labels } from '@robustjs/core';
import { pgd } from '../pgd';
import { checkBudget } from './budget';
import { attackInChunks, surfaceClassifier } from './chunks';
import type { EvaluationAttack, EvaluationAttackContext } from './types';

/** Options of {@link pgdEotAttack}. */
export interface PgdEotAttackOptions {
  /** PGD iterations; default 10. */
  readonly steps?: number;
  /** Step size; default `null` = 2.5·ε/steps (Madry et al.'s rule). */
  readonly stepSize?: number | null;
  /** Draws averaged per gradient on a randomized surface (EOT); default 1. Deterministic surfaces use 1. */
  readonly eot?: number;
  /** Start from a uniform point of the ε-ball; default true. */
  readonly randomStart?: boolean;
  /** Images per model call (bounds memory; each chunk has its own seeds, so results do not depend on the run); default 16. */
  readonly chunkSize?: number;
  /**
   * Mixed batches: the fraction p ∈ (0, 1] of each batch the attacker controls, the first round(p·B) images (the
   * others are returned unchanged and reported as bystanders); default 1.
   */
  readonly fraction?: number;
}

/** Defaults of {@link pgdEotAttack}: 10 steps, step size 2.5·ε/steps (`undefined` or `null`), EOT 1, random start, chunks of 16. */
export const PGD_EOT_ATTACK_DEFAULTS = Object.freeze({
  steps: 10,
  stepSize: undefined as number | null | undefined,
  eot: 1,
  randomStart: true,
  chunkSize: 16,
  fraction: 1,
});

/**
 * PGD with EOT (Madry et al. 2018; Athalye et al. 2018) against any {@link Defense} through its attack surface:
 *
 * 1. Split the batch into chunks of `chunkSize`; chunk c gets seed s_c = the c-th `nextSeed()` of the batch seed.
 * 2. The attacked model is `surface.model` averaged over `eot` draws seeded from s_c (`eot` of this package) when
 *    the surface is randomized, else `surface.model(x, 1)`.
 * 3. `pgd` with the threat model's norm and ε, `steps` steps of `stepSize`, random start seeded by s_c.
 * 4. With `fraction` p < 1 only the first round(p·B) images are attacked (steps 1–3); the rest stay clean.
 *
 * @param options - {@link PgdEotAttackOptions}; defaults {@link PGD_EOT_ATTACK_DEFAULTS}.
 * @returns the attack (one candidate per batch).
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for steps, eot or chunkSize that are not
 *   integers (≥ 0, ≥ 1, ≥ 1), a step size ≤ 0, a fraction outside (0, 1], `UNKNOWN_OPTION`; `check` throws for a surface without gradient and
 *   for a batch defense (`minBatchSize` > 1: chunks would change its route).
 * @example
 * ```ts
 * const attack = pgdEotAttack({ steps: 20, stepSize: 0.0125, eot: 4 });
 * const result = await evaluateDefense(defense, evaluationData(x, y), { attacks: [attack], threat: { norm: 'linf', eps: 0.1 } });
 * ```
 */
export function pgdEotAttack(options?: PgdEotAttackOptions): EvaluationAttack {
  const fn = 'pgdEotAttack';
  const o = resolveOptions(fn, PGD_EOT_ATTACK_DEFAULTS, options);
  const givenStep = checkBudget(o, fn);
  assertNumber(o.fraction, 'fraction', fn, { greaterThan: 0, max: 1 });
  const mixed = o.fraction < 1;
  const settings = Object.freeze({
    steps: o.steps, stepSize: givenStep, eot: o.eot, randomStart: o.randomStart, chunkSize: o.chunkSize,
    ...(mixed ? { fraction: o.fraction } : {}),
  });
  const controlled = (size: number): number => Math.round(o.fraction * size);
  const attack: EvaluationAttack = {
    name: 'pgd-eot',
    settings,
    ...(mixed ? { controlled } : {}),
    check(defense: Defense, where: string) {
      assert(defense.surface.gradient !== 'none', 'INVALID_ARGUMENT', () =>
        `Attack '${where}' (pgd-eot) needs a differentiable attack surface, but defense '${defense.label}' declares ` +
          "gradient 'none'. Use a score-based attack (e.g. Square) or give the defense a surrogate or BPDA surface.");
      assert(defense.surface.minBatchSize === 1, 'INVALID_ARGUMENT', () =>
        `Attack '${where}' (pgd-eot) attacks images in chunks, but defense '${defense.label}' classifies whole batches of ` +
          `at least ${defense.surface.minBatchSize} images (its route depends on the batch). Use the defense's own batch attack ` +
          `(its surface recommends ${defense.surface.recommendedAttacks.map((a) => `'${a.name}'`).join(', ')}).`);
    },
    describe(defense: Defense) {
      const { surface } = defense;
      const draws = surface.randomized ? `EOT ${o.eot}` : 'deterministic: EOT 1';
      const share = mixed ? `, on the first ${o.fraction} of each batch (mixed batches)` : '';
      return `PGD+EOT (${o.steps} steps, ${draws}${share}), ${surface.description}`;
    },
    run(defense: Defense, x: Images, y: Labels, context: EvaluationAttackContext) {
      const { surface } = defense;
      const { norm, eps } = context.threat;
      const stepSize = givenStep ?? (2.5 * eps) / Math.max(o.steps, 1);
      const chunks = {
        chunkSize: o.chunkSize, seed: context.seed, onProgress: context.onProgress,
        ...(mixed ? { controlled: controlled(x.shape[0]) } : {}),
      };
      return [attackInChunks(x, y, chunks, (xb, yb, chunkSeed) =>
        pgd(surfaceClassifier(surface, o.eot, chunkSeed), xb, yb, {
          eps, stepSize, steps: o.steps, norm, randomStart: o.randomStart, seed: chunkSeed,
        }))];
    },
  };
  return Object.freeze(attack);
}
