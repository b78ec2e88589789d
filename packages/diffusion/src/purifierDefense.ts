import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertNumber, describeValue, resolveOptions, seedStream, readClassifyOptions } from '@robustjs/core';
import type { AttackSurface, Classifier, Defense, DefenseDescription, DefenseInfo, Images, JsonValue, SurfaceGradient } from '@robustjs/core';
import { diffusionChainSurface } from './diffusionChainSurface';
import type { DiffusionPurifier, DiffusionPurifierSettings } from './purifiers/types';

/**
 * What {@link purifierDefense} wraps: anything with `purify(x, { seed })` → images `[N,H,W,C]` in [0,1] (a
 * `diffPure`, `gdmp` or `gns` purifier, or a user's own). `kind` and the diffusion `settings`, when present, label
 * the defense and describe it.
 */
export interface SeededPurifier {
  /** Purifies images `[N,H,W,C]` in [0,1] with a seed (an integer ≥ 1) → the same shape in [0,1]. */
  purify(x: Images, options: { readonly seed: number }): Images;
  /** `'diffpure'`, `'diffpure-sde'`, `'gdmp'`, `'gns'`, or the user's own. */
  readonly kind?: string;
  /** The chain's settings (a `DiffusionPurifier`'s); read for `describe()` and the surface's description. */
  readonly settings?: Partial<DiffusionPurifierSettings>;
}

/** Options of {@link purifierDefense}. */
export interface PurifierDefenseOptions {
  /** The row label. Default from the purifier's kind: `'DiffPure'`, `'DiffPure (SDE)'`, `'GDMP'`, `'GNS'`, else `'Purifier'`. */
  readonly label: string | undefined;
  /** Purification runs voted over (GNS); ≥ 1. Default 1. */
  readonly runs: number;
  /** The purifier the attack differentiates through (e.g. `purifier.with({ steps: [5] })`). Default the purifier itself. */
  readonly surrogate: SeededPurifier | undefined;
  /** How the surrogate differs besides its steps, in words (e.g. `'without guidance'`). Default `''`. */
  readonly surrogateNote: string;
  /** The label of the defense this one modifies (the Δ column's base). Default (undefined) → `null`. */
  readonly modifies: string | null | undefined;
  /** Extra JSON settings for `describe()` (they override the purifier's). Default `{}`. */
  readonly settings: DefenseInfo;
}

/** The defaults of {@link purifierDefense}, frozen. */
export const PURIFIER_DEFENSE_DEFAULTS: Readonly<PurifierDefenseOptions> = Object.freeze({
  label: undefined, runs: 1, surrogate: undefined, surrogateNote: '', modifies: undefined, settings: Object.freeze({}),
});

const KIND_LABELS: Readonly<Record<string, string>> = Object.freeze({ diffpure: 'DiffPure', 'diffpure-sde': 'DiffPure (SDE)', gdmp: 'GDMP', gns: 'GNS' });
const HOW: Readonly<Record<string, string>> = Object.freeze({
  full: 'full backprop through', checkpoint: 'checkpointed backprop through', bpda: 'BPDA (identity backward) around',
});

const isPurifier = (p: unknown): p is SeededPurifier =>
  (typeof p === 'object' || typeof p === 'function') && p !== null && typeof (p as SeededPurifier).purify === 'function';

/**
 * Whether `p` is a `DiffusionPurifier` (has `chain`, `with` and settings with a noise predictor).
 */
const isDiffusionPurifier = (p: SeededPurifier): p is SeededPurifier & DiffusionPurifier =>
  typeof (p as Partial<DiffusionPurifier>).chain === 'function' &&
  typeof (p as Partial<DiffusionPurifier>).with === 'function' &&
  typeof p.settings?.model === 'function';

/** Whether `v` is plain JSON: strings, finite numbers, booleans, null, arrays and plain objects of them (acyclic). */
const isJson = (v: unknown, depth = 0): boolean => {
  if (depth > 32) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((e) => isJson(e, depth + 1));
  if (typeof v !== 'object' || (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null)) return false;
  return Object.values(v as object).every((e) => isJson(e, depth + 1));
};

/** Whether two diffusion chains compute the same thing (all settings but the gradient mode and seed agree). */
function sameChain(a: Partial<DiffusionPurifierSettings> | undefined, b: Partial<DiffusionPurifierSettings> | undefined): boolean {
  if (a === undefined || b === undefined || a.model === undefined) return false;
  return a.model === b.model && a.schedule === b.schedule && a.sde === b.sde && a.sampler === b.sampler && a.eta === b.eta &&
    JSON.stringify([a.stages, a.steps, a.guidance]) === JSON.stringify([b.stages, b.steps, b.guidance]);
}

/** The JSON-able settings of a diffusion chain (stages, steps, sampler, eta, gradient, guidance), those present. */
function chainSettings(s: Partial<DiffusionPurifierSettings> | undefined): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  if (s === undefined) return out;
  if (Array.isArray(s.stages)) out.stages = [...s.stages];
  if (Array.isArray(s.steps)) out.steps = [...s.steps];
  if (s.sampler !== undefined) out.sampler = s.sampler;
  if (s.eta !== undefined) out.eta = s.eta;
  if (s.gradient !== undefined) out.gradient = s.gradient;
  if (s.guidance !== undefined) out.guidance = s.guidance === null ? null : { scale: s.guidance.scale, ptb: s.guidance.ptb };
  return out;
}

/**
 * A purification defense as a core `Defense`: purify with a diffusion purifier (DiffPure, GDMP, GNS) or any
 * {@link SeededPurifier}, then classify; with `runs` > 1 a majority vote over independently seeded purifications.
 *
 * - `classify(x, { seed, keepImages })`: run r (r = 0 … runs−1) purifies with the (r+1)-th
 *   `seedStream(seed).nextSeed()`. With `runs` = 1 the logits `[N,K]` are the classifier's logits of that single
 *   purification; with `runs` > 1 they are the **vote counts** `[N,K]` float32 (each row sums to `runs`; the
 *   prediction is the row's argmax, ties to the smaller class, as `majorityVote` with the same seed). `images` are
 *   the first run's purified images `[N,H,W,C]` in [0,1]; `info` is `{}`.
 * - `surface.model(x, s)` = `classifier(surrogate.purify(x, { seed: s }))`, randomized; `gradient` is `'bpda'` when
 *   the surrogate's `settings.gradient` is `'bpda'`, `'exact'` when the surrogate is the purifier (or the same
 *   chain), else `'surrogate'`; the recommended attack is `pgd-eot`. When the surrogate is a
 * diffusion purifier,   `surface.diffusion` (core's `DiffusionChainSurface`) exposes its chain
 * `surrogate.chain(N, s)` and SDEdit chains   with its noise predictor, for DiffAttack and
 * Diff-PGD.
 *
 * @param classifier - logits `[N,K]` of images `[N,H,W,C]` in [0,1].
 * @param purifier - the defense's purifier (`purify(x, { seed })`).
 * @param options - `label` (from the purifier's kind), `runs` (1), `surrogate` (the purifier), `surrogateNote`
 *   (`''`), `modifies` (null), `settings` (`{}`); see {@link PurifierDefenseOptions}.
 * @returns the defense; `dispose()` frees nothing (the classifier and purifiers stay the caller's).
 * @throws RobustError `INVALID_ARGUMENT` for a classifier that is not a function, a purifier or surrogate without
 *   `purify`, an empty label, non-JSON settings; `OUT_OF_RANGE` for runs < 1; `UNKNOWN_OPTION` for unknown keys.
 *   `classify` throws for malformed images and a seed that is not an integer ≥ 1, before any work.
 * @example
 * ```ts
 * const purifier = diffPure(unet.predict, linearSchedule(), { t: 100, steps: 10 });
 * const defense = purifierDefense(classifier, purifier, { surrogate: purifier.with({ steps: [5] }) });
 * const { logits } = defense.classify(x, { seed: 1 }); // [N,K]
 * defense.surface.description; // 'full backprop through a 5-step DiffPure surrogate chain'
 * ```
 */
export function purifierDefense(classifier: Classifier, purifier: SeededPurifier, options?: Partial<PurifierDefenseOptions>): Defense {
  const fn = 'purifierDefense';
  assert(typeof classifier === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'classifier' passed to '${fn}' must be a function (x: [N,H,W,C] in [0,1]) => logits [N,K], got ${describeValue(classifier)}.`);
  assert(isPurifier(purifier), 'INVALID_ARGUMENT', () =>
    `Argument 'purifier' passed to '${fn}' must have a method purify(x, { seed }) (a diffPure, gdmp or gns purifier, or your own), ` +
    `got ${describeValue(purifier)}.`);
  const o = resolveOptions(fn, PURIFIER_DEFENSE_DEFAULTS, options);
  assertNumber(o.runs, 'runs', fn, { integer: true, min: 1 });
  assert(o.label === undefined || (typeof o.label === 'string' && o.label.length > 0), 'INVALID_ARGUMENT', () =>
    `Option 'label' passed to '${fn}' must be a non-empty string, got ${describeValue(o.label)}. Omit it for the purifier's name.`);
  assert(o.surrogate === undefined || isPurifier(o.surrogate), 'INVALID_ARGUMENT', () =>
    `Option 'surrogate' passed to '${fn}' must have a method purify(x, { seed }), got ${describeValue(o.surrogate)}. ` +
    `Omit it to attack through the purifier itself.`);
  assert(o.modifies === undefined || o.modifies === null || (typeof o.modifies === 'string' && o.modifies.length > 0), 'INVALID_ARGUMENT', () =>
    `Option 'modifies' passed to '${fn}' must be a base defense's label or null, got ${describeValue(o.modifies)}.`);
  assert(!Array.isArray(o.settings) && o.settings !== null && isJson(o.settings), 'INVALID_ARGUMENT', () =>
    `Option 'settings' passed to '${fn}' must be a plain JSON object, got ${describeValue(o.settings)}.`);

  const name = (purifier.kind === undefined ? undefined : KIND_LABELS[purifier.kind]) ?? 'Purifier';
  const label = o.label ?? name;
  const runs = o.runs;
  const surrogate = o.surrogate ?? purifier;
  const same = surrogate === purifier || sameChain(purifier.settings, surrogate.settings);
  const sg = surrogate.settings;
  // a vote over runs > 1 purifications is not differentiable: one run of it is a surrogate of the defense
  const gradient: SurfaceGradient = sg?.gradient === 'bpda' ? 'bpda' : same && runs === 1 ? 'exact' : 'surrogate';
  const how = (sg?.gradient === undefined ? undefined : HOW[sg.gradient]) ?? 'backprop through';
  const chain = Array.isArray(sg?.steps) ? `${sg.steps.join('+')}-step ${name} ` : `${name} `;
  const what = Array.isArray(sg?.steps) ? 'chain' : 'purifier';
  const vote = runs > 1 ? ` (one run of the ${runs}-run vote)` : '';
  const description = `${how} ${same ? `the ${chain}${what} itself` : `a ${chain}surrogate ${what}`}${o.surrogateNote === '' ? '' : ` ${o.surrogateNote}`}${vote}`;
  const surrogateSettings: Record<string, JsonValue> = {};
  if (Array.isArray(sg?.steps)) surrogateSettings.surrogateSteps = [...sg.steps];
  if (sg?.gradient !== undefined) surrogateSettings.surrogateGradient = sg.gradient;
  const described: DefenseDescription = JSON.parse(JSON.stringify({
    label, kind: purifier.kind ?? 'purifier', modifies: o.modifies ?? null,
    settings: { ...chainSettings(purifier.settings), ...surrogateSettings, runs, ...o.settings }, surface: description,
  })) as DefenseDescription;

  const surface: AttackSurface = Object.freeze({
    model: (x: Images, seed: number) => tf.tidy(() => classifier(surrogate.purify(x, { seed }))),
    randomized: true, gradient, description, terms: Object.freeze({}),
    recommendedAttacks: Object.freeze([Object.freeze({ name: 'pgd-eot' })]), minBatchSize: 1,
    ...(isDiffusionPurifier(surrogate) ? { diffusion: diffusionChainSurface(classifier, surrogate) } : {}),
  });

  return Object.freeze({
    label,
    surface,
    classify(x: Images, classifyOptions: { readonly seed: number; readonly keepImages?: boolean }) {
      const call = `${fn}.classify`;
      const c = readClassifyOptions(classifyOptions, call);
      assertImages(x, 'x', call);
      const seeds = seedStream(c.seed);
      let acc: tf.Tensor2D | undefined; // logits (runs = 1) or int32 vote counts [N,K]
      let first: Images | undefined;
      try {
        for (let r = 0; r < runs; r++) {
          const seed = seeds.nextSeed();
          const next = tf.tidy(() => {
            const p = purifier.purify(x, { seed });
            if (r === 0 && c.keepImages) first = tf.keep(p);
            const logits = classifier(p); // [N,K]
            if (runs === 1) return logits;
            const oneHot = tf.oneHot(tf.argMax(logits, 1) as tf.Tensor1D, logits.shape[1]) as tf.Tensor2D; // [N,K] int32
            return acc === undefined ? oneHot : (tf.add(acc, oneHot) as tf.Tensor2D);
          });
          acc?.dispose();
          acc = next;
        }
      } catch (e) {
        tf.dispose([acc, first]);
        throw e;
      }
      let logits = acc as tf.Tensor2D;
      if (runs > 1) {
        logits = tf.cast(acc as tf.Tensor2D, 'float32'); // vote counts [N,K]; argmax ties go to the smaller class
        acc?.dispose();
      }
      return first === undefined ? { logits, info: {} } : { logits, images: first, info: {} };
    },
    describe: () => JSON.parse(JSON.stringify(described)) as DefenseDescription,
    dispose() {},
  });
}
