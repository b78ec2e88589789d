/**
 * DAD behind core's `Defense` contract, in the paper's routing mode (Zhang et al., ICML 2025, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169)):
 * per batch B, m = MMD²_b(R, B); m ≤ θ → h(B); otherwise h(g(clip(B + clip(N(0, σ²), 0, 1), 0, 1))).
 * The implementation of {@link DadDefense.asDefense}: it checks the options shared by every mode and dispatches on
 * `mode` (`'always-denoise'` lives in `dadAlwaysDenoise.ts`); the private registry below lets
 * {@link dadAdaptiveEvaluationAttack} find the {@link DadDefense} (and the mode) behind a `Defense`.
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, describeValue, resolveOptions, readClassifyOptions } from '@robustjs/core';
import type { AttackSurface, Defense, DefenseInfo, DefenseOutput, Images } from '@robustjs/core';
import { addClampedNoise } from './addClampedNoise';
import type { DadObjective } from './dadAdaptiveAttack';
import { dadAlwaysDenoise, type DadAlwaysDenoiseInfo } from './dadAlwaysDenoise';
import type { DadDefense } from './dadDefense';
import { DAD_OBJECTIVES, assertObjectives } from './objectives';

/**
 * How the defense uses DAD's parts: `'routing'` (the paper: the detector decides per batch whether to denoise) or
 * `'always-denoise'` (every batch through noise → denoiser → classifier, no detector: a per-image defense).
 */
export type DadDefenseMode = 'routing' | 'always-denoise';

/** Every {@link DadDefenseMode}, in the order error messages list them. */
const MODES: readonly DadDefenseMode[] = Object.freeze(['routing', 'always-denoise'] as const);

/** Options of {@link DadDefense.asDefense}. */
export interface DadAsDefenseOptions {
  /** {@link DadDefenseMode}; default `'routing'`. */
  readonly mode?: DadDefenseMode;
  /** The row label; default `'DAD'` (routing) or `'DAD (always denoise)'`. */
  readonly label?: string;
  /** The label of the defense this one modifies (the Δ column's base), or null; default `'Undefended'`. */
  readonly modifies?: string | null;
  /** The objectives of the recommended `'dad-adaptive'` attack; default `['detect', 'evade', 'threshold']`. Routing mode only. */
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
  mode: 'routing' as DadDefenseMode,
  label: undefined as string | undefined,
  modifies: undefined as string | null | undefined,
  objectives: DAD_OBJECTIVES as readonly DadObjective[],
  settings: {} as DefenseInfo,
} as const;

/** The keys of the settings the defense reports itself (the `settings` option must not override them). */
const OWN_SETTINGS = ['mode', 'threshold', 'noiseStd', 'minBatchSize', 'objectives'] as const;

/** Core `Defense` → the {@link DadDefense} it was made from and its mode (filled by {@link dadAsDefense} only). */
const REGISTRY = new WeakMap<Defense, { readonly dad: DadDefense; readonly mode: DadDefenseMode }>();

/**
 * The {@link DadDefense} a core `Defense` was made from by {@link DadDefense.asDefense}, with the defense's mode, or
 * undefined for any other defense (internal: used by {@link dadAdaptiveEvaluationAttack}).
 *
 * @param defense - any defense.
 * @returns the DAD defense behind it and the mode, or undefined.
 */
export function dadDefenseOf(defense: Defense): { readonly dad: DadDefense; readonly mode: DadDefenseMode } | undefined {
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
 * Builds the core `Defense` of a {@link DadDefense} in the given mode (see {@link DadDefense.asDefense}, where it is
 * documented; internal).
 *
 * @param dad - the DAD defense.
 * @param options - {@link DadAsDefenseOptions}.
 * @returns the defense.
 */
export function dadAsDefense(dad: DadDefense, options?: DadAsDefenseOptions): Defense<DadDefenseInfo> | Defense<DadAlwaysDenoiseInfo> {
  const fn = 'DadDefense.asDefense';
  const o = resolveOptions(fn, DEFAULTS, options);
  assert(MODES.includes(o.mode), 'INVALID_ARGUMENT', () =>
    `Option 'mode' passed to '${fn}' must be one of ${MODES.map((m) => `'${m}'`).join(', ')}, got ${describeValue(o.mode)}.`);
  assert(o.label === undefined || (typeof o.label === 'string' && o.label.length > 0), 'INVALID_ARGUMENT', () =>
    `Option 'label' passed to '${fn}' must be a non-empty string, got ${describeValue(o.label)}.`);
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
  const extra = structuredClone(o.settings) as DefenseInfo;
  const made = BUILDERS[o.mode](dad, { label: o.label, modifies, objectives, objectivesGiven: options?.objectives !== undefined, settings: extra }, fn);
  REGISTRY.set(made, { dad, mode: o.mode });
  return made;
}

/** What every mode's builder gets: the options checked by {@link dadAsDefense} (label undefined: the mode's default). */
interface CheckedOptions {
  readonly label: string | undefined;
  readonly modifies: string | null;
  readonly objectives: readonly DadObjective[];
  readonly objectivesGiven: boolean;
  readonly settings: DefenseInfo;
}

/** The builder of each mode. */
const BUILDERS: Readonly<Record<DadDefenseMode, (dad: DadDefense, o: CheckedOptions, fn: string) => Defense<DadDefenseInfo> | Defense<DadAlwaysDenoiseInfo>>> = {
  routing: (dad, o) => routingDefense(dad, o),
  'always-denoise': (dad, o, fn) => {
    assert(!o.objectivesGiven, 'INVALID_ARGUMENT', () =>
      `Option 'objectives' passed to '${fn}' applies to mode 'routing' only (the 'dad-adaptive' attack's objectives are about ` +
        "the detector); mode 'always-denoise' has no detector and recommends 'pgd-eot'. Remove 'objectives'.");
    return dadAlwaysDenoise(dad, { label: o.label ?? 'DAD (always denoise)', modifies: o.modifies, settings: o.settings });
  },
};

/** The routing-mode defense (the paper's inference rule), from checked options. */
function routingDefense(dad: DadDefense, o: CheckedOptions): Defense<DadDefenseInfo> {
  const fn = 'DadDefense.asDefense';
  const label = o.label ?? 'DAD';
  const { modifies, objectives } = o;
  const { threshold, noiseStd, minBatchSize } = dad;
  const { detector, denoiser } = dad.parts;
  const settings: DefenseInfo = Object.freeze({
    mode: 'routing', threshold, noiseStd, minBatchSize, objectives: [...objectives],
    ...o.settings,
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
      const c = readClassifyOptions(options, classifyFn);
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
  return defense;
}
