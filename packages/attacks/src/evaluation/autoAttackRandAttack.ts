import { assert, assertNumber, resolveOptions } from '@robustjs/core';
import type { Defense, Images, Labels } from '@robustjs/core';
import { autoAttack } from '../autoAttack';
import type { Fidelity } from '../fidelity';
import { assertFidelity } from '../internal/assertFidelity';
import { attackInChunks, surfaceClassifier } from './chunks';
import type { EvaluationAttack, EvaluationAttackContext } from './types';

/** Options of {@link autoAttackRandAttack}. */
export interface AutoAttackRandAttackOptions {
  /** APGD iterations of each component; default 100 (the reference). */
  readonly steps?: number;
  /** Draws averaged per gradient and per prediction (EOT); default 20 (the reference). */
  readonly eot?: number;
  /** Images per model call (bounds memory; each chunk has its own seeds); default 16. */
  readonly chunkSize?: number;
  /** APGD as the reference runs it (`'reference'`) or robustjs's variant (`'paper'`); default `'reference'`. */
  readonly fidelity?: Fidelity;
}

/** Defaults of {@link autoAttackRandAttack}: 100 steps, EOT 20, chunks of 16, reference fidelity. */
export const AUTO_ATTACK_RAND_ATTACK_DEFAULTS = Object.freeze({
  steps: 100,
  eot: 20,
  chunkSize: 16,
  fidelity: 'reference' as Fidelity,
});

/**
 * AutoAttack's `'rand'` version (Croce & Hein, ICML 2020) against any {@link Defense} through its attack surface, as
 * DiffPure (Nie et al., ICML 2022) and DAD's code run it on randomized defenses:
 *
 * 1. Split the batch into chunks of `chunkSize`; chunk c gets seed s_c = the c-th `nextSeed()` of the batch seed.
 * 2. The attacked model is `surface.model` averaged over `eot` draws seeded from s_c (`eot` of this package) when
 *    the surface is randomized, else `surface.model(x, 1)`.
 * 3. {@link autoAttack} with `version: 'rand'`: APGD-CE, then APGD-DLR on the images APGD-CE did not break
 *    (`steps` iterations each, one restart), per image the first adversarial image kept.
 *
 * @param options - {@link AutoAttackRandAttackOptions}; defaults {@link AUTO_ATTACK_RAND_ATTACK_DEFAULTS}.
 * @returns the attack (one candidate per batch).
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for steps, eot or chunkSize that are not
 *   integers ≥ 1, an unknown fidelity, `UNKNOWN_OPTION`; `check` throws for a surface without gradient and for a
 *   batch defense (`minBatchSize` > 1: AutoAttack attacks subsets of the batch, which would change its route).
 * @example
 * ```ts
 * const attack = autoAttackRandAttack({ steps: 20, eot: 4 });
 * const result = await evaluateDefense(defense, evaluationData(x, y), {
 *   attacks: [attack],
 *   threat: { norm: 'linf', eps: 0.1 },
 * });
 * ```
 */
export function autoAttackRandAttack(options?: AutoAttackRandAttackOptions): EvaluationAttack {
  const fn = 'autoAttackRandAttack';
  const o = resolveOptions(fn, AUTO_ATTACK_RAND_ATTACK_DEFAULTS, options);
  assertNumber(o.steps, 'steps', fn, { integer: true, min: 1 });
  assertNumber(o.eot, 'eot', fn, { integer: true, min: 1 });
  assertNumber(o.chunkSize, 'chunkSize', fn, { integer: true, min: 1 });
  assertFidelity(o.fidelity, fn);
  const settings = Object.freeze({ steps: o.steps, eot: o.eot, chunkSize: o.chunkSize, fidelity: o.fidelity });
  const attack: EvaluationAttack = {
    name: 'autoattack-rand',
    settings,
    check(defense: Defense, where: string) {
      assert(defense.surface.gradient !== 'none', 'INVALID_ARGUMENT', () =>
        `Attack '${where}' (autoattack-rand) needs a differentiable attack surface, but defense '${defense.label}' ` +
          "declares gradient 'none'. Use a score-based attack or give the defense a surrogate or BPDA surface.");
      assert(defense.surface.minBatchSize === 1, 'INVALID_ARGUMENT', () =>
        `Attack '${where}' (autoattack-rand) attacks subsets of a batch, but defense '${defense.label}' classifies ` +
          `whole batches of at least ${defense.surface.minBatchSize} images (its route depends on the batch). Use ` +
          `the defense's own batch attack (${defense.surface.recommendedAttacks.map((a) => `'${a.name}'`).join(', ')}).`);
    },
    describe(defense: Defense) {
      const { surface } = defense;
      const draws = surface.randomized ? `EOT ${o.eot}` : 'deterministic: EOT 1';
      return `AutoAttack rand (APGD-CE then APGD-DLR, ${o.steps} steps each, ${draws}), ${surface.description}`;
    },
    run(defense: Defense, x: Images, y: Labels, context: EvaluationAttackContext) {
      const { surface } = defense;
      const { norm, eps } = context.threat;
      const chunks = { chunkSize: o.chunkSize, seed: context.seed, onProgress: context.onProgress };
      return [attackInChunks(x, y, chunks, (xb, yb, chunkSeed) =>
        autoAttack(surfaceClassifier(surface, o.eot, chunkSeed), xb, yb, {
          eps, norm, version: 'rand', steps: o.steps, seed: chunkSeed, fidelity: o.fidelity,
        }))];
    },
  };
  return Object.freeze(attack);
}
