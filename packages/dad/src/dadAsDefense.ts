/**
 * DAD behind core's `Defense` contract, in the paper's routing mode (Zhang et al., ICML 2025; PAPERS.md §3.7):
 * per batch B, m = MMD²_b(R, B); m ≤ θ → h(B); otherwise h(g(clip(B + clip(N(0, σ²), 0, 1), 0, 1))).
 * The implementation of {@link DadDefense.asDefense}; the private registry below lets
 * {@link dadAdaptiveEvaluationAttack} find the {@link DadDefense} behind a `Defense`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions } from '@robustjs/core';
import type { AttackSurface, Defense, DefenseInfo, DefenseOutput, Images } from '@robustjs/core';
import { addClampedNoise } from './addClampedNoise';
import type { DadObjective } from './dadAdaptiveAttack';
import type { DadDefense } from './dadDefense';
import { DAD_OBJECTIVES, assertObjectives } from './objectives';

/** Options of {@link DadDefense.asDefense}. */
export interface DadAsDefenseOptions {
  /** The row label; default `'DAD'`. */
  readonly label?: string;
  /** The label of the defense this one modifies (the Δ column's base), or null; default `'Undefended'`. */
  readonly modifies?: string | null;
  /** The objectives of the recommended `'dad-adaptive'` attack; default `['detect', 'evade', 'threshold']`. */
  readonly objectives?: readonly DadObjective[];
  /** Extra JSON settings reported with the defense (e.g. where θ came from); default `{}`. Must not reuse a key of the defense's own settings. */
  readonly settings?: DefenseInfo;
}

/** What the DAD defense reports per batch: m = MMD²_b(R, B), θ, and whether the batch was denoised (m > θ). */
export type DadDefenseInfo = {
  /** m = MMD²_b(R, B). */
  readonly statistic: number;
  /** θ. */
  readonly threshold: number;
  /** `statistic > threshold`: the batch was denoised. */
  readonly flagged: boolean;
};

const DEFAULTS = {
  label: 'DAD',
  modifies: undefined as string | null | undefined,
  objectives: DAD_OBJECTIVES as readonly DadObjective[],
  settings: {} as DefenseInfo,
} as const;

/** The keys of the settings the defense reports itself (the `settings` option must not override them). */
const OWN_SETTINGS = ['mode', 'threshold', 'noiseStd', 'minBatchSize', 'objectives'] as const;

/** Core `Defense` → the {@link DadDefense} it was made from (filled by {@link dadAsDefense} only). */
const REGISTRY = new WeakMap<Defense, DadDefense>();

/**
 * The {@link DadDefense} a core `Defense` was made from by {@link DadDefense.asDefense}, or undefined for any other
 * defense (internal: used by {@link dadAdaptiveEvaluationAttack}).
 *
 * @param defense - any defense.
 * @returns the DAD defense behind it, or undefined.
 */
export function dadDefenseOf(defense: Defense): DadDefense | undefined {
  return REGISTRY.get(defense);
}

/** Whether `v` is a JSON value that survives a round trip unchanged (finite numbers, no undefined, plain objects). */
const isJson = (v: unknown): boolean => {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (typeof v !== 'object' || Object.getPrototypeOf(v) !== Object.prototype) return false;
  return Object.values(v).every(isJson);
};

/**
 * Builds the routing-mode core `Defense` of a {@link DadDefense} (see {@link DadDefense.asDefense}, where it is
 * documented; internal).
 *
 * @param dad - the DAD defense.
 * @param options - {@link DadAsDefenseOptions}.
 * @returns the defense.
 */
export function dadAsDefense(dad: DadDefense, options?: DadAsDefenseOptions): Defense<DadDefenseInfo> {
  const fn = 'DadDefense.asDefense';
  const o = resolveOptions(fn, DEFAULTS, options);
  assert(o.label.length > 0, 'INVALID_ARGUMENT', () => `Option 'label' passed to '${fn}' must be a non-empty string, got ''.`);
  const modifies = o.modifies === undefined ? 'Undefended' : o.modifies;
  assert(modifies === null || (typeof modifies === 'string' && modifies.length > 0), 'INVALID_ARGUMENT', () =>
    `Option 'modifies' passed to '${fn}' must be a non-empty string (the base defense's label) or null, got ${describeValue(modifies)}.`);
  assertObjectives(o.objectives, 'objectives', fn);
  const objectives = Object.freeze([...o.objectives]);
  assert(o.settings !== null && !Array.isArray(o.settings) && isJson(o.settings), 'INVALID_ARGUMENT', () =>
    `Option 'settings' passed to '${fn}' must be a plain JSON object (strings, finite numbers, booleans, null, arrays, objects), ` +
      `got ${describeValue(o.settings)}.`);
  const clash = OWN_SETTINGS.filter((k) => Object.hasOwn(o.settings, k));
  assert(clash.length === 0, 'INVALID_ARGUMENT', () =>
    `Option 'settings' passed to '${fn}' must not set ${clash.map((k) => `'${k}'`).join(', ')}: the defense reports ` +
      `${OWN_SETTINGS.join(', ')} itself. Rename the extra key (e.g. 'thresholdFrom').`);

  const { label } = o;
  const { threshold, noiseStd, minBatchSize } = dad;
  const { detector, denoiser } = dad.parts;
  const settings: DefenseInfo = Object.freeze({
    mode: 'routing', threshold, noiseStd, minBatchSize, objectives: [...objectives],
    ...(structuredClone(o.settings) as DefenseInfo),
  });

  // The route is piecewise constant in x: EOT draws on one iterate (the same tensor) compute m once. Tensor ids are
  // never reused; a tf.Variable keeps its id when assigned, so variables are never cached.
  let last: { readonly id: number; readonly flagged: boolean } | undefined;
  const flaggedOn = (x: Images): boolean => {
    if (last !== undefined && last.id === x.id && !(x instanceof tf.Variable)) return last.flagged;
    const { flagged } = dad.route(x);
    last = { id: x.id, flagged };
    return flagged;
  };
  const description =
    `full backprop through the route DAD takes on the batch (m = MMD²_b(R, B) > θ = ${threshold}: clamped N(0, ${noiseStd}²) noise → ` +
    'denoiser → classifier; otherwise the classifier alone), the routing itself piecewise constant';
  const surface: AttackSurface = Object.freeze({
    model: (x: Images, seed: number) => {
      const flagged = flaggedOn(x);
      return tf.tidy(() => dad.branch(x, flagged, seed));
    },
    randomized: true,
    gradient: 'exact' as const,
    description,
    terms: Object.freeze({
      statistic: Object.freeze({
        description: 'MMD²_b(R, B) of the batch against the reference batch',
        value: (x: Images) => detector.score(x),
        threshold,
      }),
    }),
    recommendedAttacks: Object.freeze([Object.freeze({ name: 'dad-adaptive', objectives: [...objectives] })]),
    minBatchSize,
  });

  const classifyFn = `${fn}().classify`;
  const defense: Defense<DadDefenseInfo> = Object.freeze({
    label,
    surface,
    classify(x: Images, options: { readonly seed: number; readonly keepImages?: boolean }): DefenseOutput<DadDefenseInfo> {
      const c = resolveOptions(classifyFn, { seed: undefined as number | undefined, keepImages: false }, options);
      assertNumber(c.seed, 'seed', classifyFn, { integer: true, min: 1 });
      const seed = c.seed;
      dad.check(x, 'x', classifyFn);
      const route = dad.route(x);
      const info: DadDefenseInfo = Object.freeze({ statistic: route.statistic, threshold: route.threshold, flagged: route.flagged });
      const logits = tf.tidy(() => dad.branch(x, route.flagged, seed));
      if (!c.keepImages) return { logits, info };
      // the classifier sees the denoiser's output as is (DAD's reference code does not clip it); the kept images are
      // that output clipped to [0,1], the contract's range for images (they differ only where the denoiser overshoots)
      const images = route.flagged
        ? tf.tidy(() => tf.clipByValue(denoiser.apply(addClampedNoise(x, { std: noiseStd, seed })), 0, 1) as Images)
        : (tf.clone(x) as Images);
      return { logits, images, info };
    },
    describe: () => ({ label, kind: 'dad', modifies, settings, surface: description }),
    dispose() {
      last = undefined;
    },
  });
  REGISTRY.set(defense, dad);
  return defense;
}
