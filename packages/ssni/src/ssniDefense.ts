/*
 * SSNI as a library Defense (core's contract): classify = SSNI purification (per-image t from the EPS norm) then the
 * classifier, voted over runs; the attack surface is SSNI's adaptive attack model (Sun et al., ICML 2025, §5;
 * [arXiv:2506.06027](https://arxiv.org/abs/2506.06027)): norms and t(x) recomputed on every iterate without gradient, backprop through a surrogate chain.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions, seedStream, readClassifyOptions } from '@robustjs/core';
import type { AttackSurface, Classifier, Defense, DefenseDescription, DefenseInfo, Images, Logits } from '@robustjs/core';
import type { SurfaceTerm } from '@robustjs/core';
import { diffusionChainSurface } from '@robustjs/diffusion';
import type { DiffusionPurifier, GradientMode } from '@robustjs/diffusion';
import { epsNormOnTape } from './epsNorm';
import { ssniAttackModel } from './ssniAttackModel';
import type { SsniBase, SsniPurifier } from './ssniTypes';
import { isPlainPurifier } from './timestepPurifier';

/** Options of {@link ssniDefense}. */
export interface SsniDefenseOptions {
  /** The row label; default `` `${baseLabel} + SSNI-N` `` (or `+ SSNI-L`). */
  readonly label: string | undefined;
  /** The base purifier's name; default from its kind: `'DiffPure'`, `'GDMP'`, `'GNS'`, else `'Purifier'`. */
  readonly baseLabel: string | undefined;
  /** Purification runs voted over (majority, ties to the smaller class), an integer ≥ 1; default `1`. */
  readonly runs: number;
  /** The SSNI purifier around the chain the attack differentiates (same calibration and rule); default the defense's. */
  readonly surrogate: SsniPurifier<SsniBase> | undefined;
  /**
   * Denoising steps of the attack's surrogate chain, one per stage; default the surrogate's own steps (K + extraSteps:
   * the full chain). Must stay unset around a plain timestep purifier (the surrogate is the purifier itself).
   */
  readonly surrogateSteps: readonly number[] | undefined;
  /** How the surrogate chain differs from the defense's besides its steps, in words (e.g. `'without guidance'`); default `''`. */
  readonly surrogateNote: string;
  /** `'full'`, `'checkpoint'` (`DiffusionPurifier`s only) or `'bpda'`; default `'full'`. */
  readonly gradient: GradientMode;
  /** The label of the defense SSNI modifies (the Δ column's base); default `baseLabel`. */
  readonly modifies: string | undefined;
  /** Extra JSON settings for `describe()` (SSNI's own keys take precedence); default `{}`. */
  readonly settings: DefenseInfo;
}

/**
 * Defaults of {@link ssniDefense}: `label`, `baseLabel`, `modifies` from the base purifier, `runs = 1`,
 * `surrogate = the defense's SSNI purifier`, `surrogateSteps = its steps`, `surrogateNote = ''`, `gradient = 'full'`,
 * `settings = {}`.
 */
export const SSNI_DEFENSE_DEFAULTS: Readonly<SsniDefenseOptions> = Object.freeze({
  label: undefined, baseLabel: undefined, runs: 1, surrogate: undefined, surrogateSteps: undefined, surrogateNote: '',
  gradient: 'full', modifies: undefined, settings: Object.freeze({}),
});

/** What an SSNI defense reports per batch: e(x) per image and the first stage's t(x) per image. */
export interface SsniDefenseInfo extends DefenseInfo {
  /** EPS norms, one per image. */
  readonly norms: readonly number[];
  /** The first stage's timestep, one per image. */
  readonly timesteps: readonly number[];
}

const BASE_LABELS: Readonly<Record<string, string>> = Object.freeze({ diffpure: 'DiffPure', 'diffpure-sde': 'DiffPure', gdmp: 'GDMP', gns: 'GNS' });
const GRADIENTS: readonly GradientMode[] = ['full', 'checkpoint', 'bpda'];
const HOW: Readonly<Record<GradientMode, string>> = Object.freeze({
  full: 'full backprop through', checkpoint: 'checkpointed backprop through', bpda: 'BPDA (identity backward) around',
});

const isSsni = (v: unknown): v is SsniPurifier<SsniBase> => {
  const s = v as Partial<SsniPurifier<SsniBase>> | null;
  return typeof v === 'function' && typeof s?.norms === 'function' && typeof s.timesteps === 'function' &&
    s.base !== undefined && s.runner !== undefined && s.settings !== undefined;
};

const isJson = (v: unknown, depth = 0): boolean => {
  if (depth > 64) return false; // deeper than any settings record: a cycle or hostile input, not JSON to report
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((e) => isJson(e, depth + 1));
  if (typeof v !== 'object' || (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null)) return false;
  return Object.values(v).every((e) => isJson(e, depth + 1));
};

/**
 * SSNI's surface terms (internal): the EPS norm e(x) `[N]` of the surrogate's estimator (its model,
 * process, EPS steps and seed: the norms t(x) is computed from), differentiable through ε_θ
 * (`epsNorm`) or with ε_θ's Jacobian taken as the identity (`epsNormBpda`). An attacker who lowers
 * e(x) lowers t(x): the EPS-aware attack descends it.
 */
function epsTerms(ssni: SsniPurifier<SsniBase>): Readonly<Record<string, SurfaceTerm>> {
  const { model, process, settings: s } = ssni;
  const o = Object.freeze({ steps: s.epsSteps, seed: s.epsSeed, batchSize: s.batchSize });
  const what = `SSNI's EPS norm e(x) per image (${s.epsSteps} grid points, seed ${s.epsSeed})`;
  return Object.freeze({
    epsNorm: Object.freeze({
      description: `${what}, differentiated through the score network`,
      value: (x: Images) => epsNormOnTape(model, process, x, o, 'exact'),
    }),
    epsNormBpda: Object.freeze({
      description: `${what}, BPDA: the score network's Jacobian taken as the identity`,
      value: (x: Images) => epsNormOnTape(model, process, x, o, 'bpda'),
    }),
  });
}

/**
 * SSNI (Sun et al., ICML 2025) as a core {@link Defense}: `classify` computes each image's EPS norm, its per-stage
 * timesteps t(x), purifies with them (`runs` times with seeds `seedStream(seed).nextSeed()`, ties of the vote to the
 * smaller class) and classifies; the attack surface is {@link ssniAttackModel} around `surrogate` (norms and t(x)
 * recomputed without gradient on every iterate, cached per input tensor, backprop through the surrogate chain with
 * those t), randomized. `surface.gradient` is `'exact'` when the surrogate chain is the defense's own (same SSNI
 * purifier, same steps; always for a plain timestep purifier without BPDA), `'surrogate'` otherwise, `'bpda'` for BPDA.
 * `surface.terms` holds `epsNorm` and `epsNormBpda`: e(x) `[N]` on the gradient tape (through the
 * score network, or BPDA around it), for attacks that lower t(x) (`ssniEpsAwareAttack` of
 * `@robustjs/attacks`).
 *
 * Shapes: images `[N,H,W,C]` in [0,1]; logits `[N,K]` (runs 1: the classifier's logits; runs > 1: float32 vote counts);
 * info `{ norms: number[N], timesteps: number[N] }`.
 *
 * @param classifier - images `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * @param ssni - the defense's SSNI purifier ({@link ssniPurifier}).
 * @param options - {@link SsniDefenseOptions}; defaults {@link SSNI_DEFENSE_DEFAULTS}: `runs = 1`, `surrogate = ssni`,
 *   `surrogateSteps = the surrogate's steps`, `gradient = 'full'`, `label = '<base> + SSNI-N'` (or `SSNI-L`),
 *   `baseLabel` from the base's kind (`'DiffPure'`, `'GDMP'`, `'GNS'`, else `'Purifier'`), `modifies = baseLabel`,
 *   `surrogateNote = ''`, `settings = {}`.
 * @returns the defense (it owns no tensors; `dispose` is a no-op).
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a non-function classifier, a non-SSNI
 *   `ssni` or `surrogate`, a non-JSON `settings`, an unknown gradient mode, surrogate steps or `'checkpoint'` around a
 *   plain timestep purifier; `OUT_OF_RANGE` for `runs < 1` or surrogate steps < 1; `SHAPE_MISMATCH` for surrogate
 *   steps that are not one per stage; `UNKNOWN_OPTION`. `classify` throws for malformed images (before any model
 *   call), a seed that is not an integer ≥ 1, unknown options, and a classifier returning other than `[N,K]`.
 * @example
 * ```ts
 * const ssni = ssniPurifier(diffPure(unet.predict, schedule, { t: 100, steps: 20 }), unet.predict, calibration);
 * const defense = ssniDefense(classifier, ssni, { surrogateSteps: [5] }); // 'DiffPure + SSNI-N'
 * const { logits, info } = defense.classify(x, { seed: 1 }); // info.timesteps: t(x) per image
 * ```
 */
export function ssniDefense(classifier: Classifier, ssni: SsniPurifier<SsniBase>, options?: Partial<SsniDefenseOptions>): Defense<SsniDefenseInfo> {
  const fn = 'ssniDefense';
  assert(typeof classifier === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'classifier' passed to '${fn}' must be a function (x [N,H,W,C] in [0,1]) => logits [N,K], got ${describeValue(classifier)}.`);
  assert(isSsni(ssni), 'INVALID_ARGUMENT', () =>
    `Argument 'ssni' passed to '${fn}' must be an SsniPurifier (from ssniPurifier()), got ${describeValue(ssni)}.`);
  const o = resolveOptions(fn, SSNI_DEFENSE_DEFAULTS, options);
  assertNumber(o.runs, 'runs', fn, { integer: true, min: 1 });
  const surrogate = o.surrogate ?? ssni;
  assert(isSsni(surrogate), 'INVALID_ARGUMENT', () =>
    `Option 'surrogate' passed to '${fn}' must be an SsniPurifier (from ssniPurifier()) around the chain the attack ` +
      `differentiates, got ${describeValue(surrogate)}.`);
  assert(GRADIENTS.includes(o.gradient), 'INVALID_ARGUMENT', () =>
    `Option 'gradient' passed to '${fn}' must be one of ${GRADIENTS.map((g) => `'${g}'`).join(', ')}, got ${describeValue(o.gradient)}.`);
  assert(o.settings !== null && typeof o.settings === 'object' && !Array.isArray(o.settings) && isJson(o.settings), 'INVALID_ARGUMENT', () =>
    `Option 'settings' passed to '${fn}' must be a plain JSON object (numbers, strings, booleans, null, arrays, objects), got ${describeValue(o.settings)}.`);
  const plain = isPlainPurifier(surrogate.base);
  const nStages = surrogate.settings.stages.length;
  if (plain) {
    assert(o.surrogateSteps === undefined, 'INVALID_ARGUMENT', () =>
      `Option 'surrogateSteps' passed to '${fn}' must be left unset around a plain timestep purifier, got ` +
        `${describeValue(o.surrogateSteps)}: it has no step count; the attack differentiates the purifier itself.`);
    assert(o.gradient !== 'checkpoint', 'INVALID_ARGUMENT', () =>
      `Option 'gradient' passed to '${fn}' must be 'full' or 'bpda' around a plain timestep purifier, got 'checkpoint' ` +
        "(checkpointing needs a DiffusionPurifier's step chain).");
  } else if (o.surrogateSteps !== undefined) {
    const given: unknown = o.surrogateSteps;
    assert(Array.isArray(given) && given.length === nStages, 'SHAPE_MISMATCH', () =>
      `Option 'surrogateSteps' passed to '${fn}' must be an array of ${nStages} step counts (one per stage), got ${describeValue(given)}.`);
    o.surrogateSteps.forEach((k, i) => assertNumber(k, `surrogateSteps[${i}]`, fn, { integer: true, min: 1 }));
  }
  const surrogateSteps = plain ? undefined : o.surrogateSteps ?? surrogate.settings.steps;
  const attackModel = ssniAttackModel(classifier, surrogate, {
    ...(surrogateSteps === undefined ? {} : { surrogateSteps: [...surrogateSteps] }), gradient: o.gradient, eotSamples: 1,
  });

  const { settings: s, calibration } = ssni;
  const ruleLabel = s.rule === 'ssni-n' ? 'SSNI-N' : 'SSNI-L';
  const baseLabel = o.baseLabel ?? (isPlainPurifier(ssni.base) ? 'Purifier' : BASE_LABELS[ssni.base.kind] ?? 'Purifier');
  const label = o.label ?? `${baseLabel} + ${ruleLabel}`;
  const ownChain = surrogate === ssni; // another SsniPurifier may differ in its chain, rule or calibration
  const sameSteps = surrogateSteps === undefined || (surrogateSteps.length === s.steps.length && surrogateSteps.every((k, i) => k === s.steps[i]));
  // a vote over runs > 1 purifications is not differentiable: one run of it is a surrogate of the defense
  const gradient = o.gradient === 'bpda' ? 'bpda' : ownChain && sameSteps && o.runs === 1 ? 'exact' : 'surrogate';
  const note = o.surrogateNote === '' ? '' : ` ${o.surrogateNote}`;
  const chain = plain
    ? `the ${baseLabel} '${(surrogate.base as { settings: { name: string } }).settings.name}'${gradient === 'exact' ? " (the defense's own)" : ''}${note}`
    : `a ${(surrogateSteps as readonly number[]).join('+')}-step ${baseLabel} ${gradient === 'exact' ? "chain (the defense's own)" : 'surrogate chain'}${note}`;
  const vote = o.runs > 1 ? ` (one run of the ${o.runs}-run vote)` : '';
  const description = `${HOW[o.gradient]} ${chain}${vote}, EPS norms and t(x) recomputed on every iterate (no gradient through t(x))`;

  let chainTs: { id: number; ts: readonly Int32Array[] } = { id: -1, ts: [] };
  const surface: AttackSurface = Object.freeze({
    model: (x: Images, seed: number): Logits => attackModel(x, seed),
    randomized: true,
    gradient,
    description,
    terms: epsTerms(surrogate),
    recommendedAttacks: Object.freeze([Object.freeze({ name: 'pgd-eot' })]),
    minBatchSize: 1,
    // the surrogate's chain run with t(x) of the iterate (DiffAttack), and its SDEdit chains (Diff-PGD)
    ...(plain ? {} : {
      diffusion: diffusionChainSurface(classifier, attackModel.surrogate as DiffusionPurifier, {
        timesteps: (x: Images) => {
          // untaped, as surface.model; once per iterate (tensor ids are never reused), shared by its EOT draws
          if (x.id !== chainTs.id) chainTs = { id: x.id, ts: surrogate.timesteps(surrogate.norms(x)) };
          const ts = chainTs.ts;
          return (k: number) => ts[k]!;
        },
      }),
    }),
  });
  const settings: DefenseInfo = Object.freeze({
    ...o.settings,
    base: baseLabel, rule: s.rule, tau: s.tau, bias: s.bias, extraSteps: s.extraSteps, epsSteps: s.epsSteps, epsSeed: s.epsSeed,
    stages: [...s.stages], steps: [...s.steps], runs: o.runs, surrogateSteps: surrogateSteps === undefined ? null : [...surrogateSteps],
    gradient: o.gradient,
    calibration: { mean: calibration.mean, std: calibration.std, min: calibration.min, max: calibration.max, count: calibration.count },
  });
  const description_: DefenseDescription = Object.freeze({ label, kind: 'ssni', modifies: o.modifies ?? baseLabel, settings, surface: description });

  const classify = (x: Images, opts: { seed: number; keepImages?: boolean }) => {
    const call = 'ssniDefense.classify';
    const { seed, keepImages: keep } = readClassifyOptions(opts, call);
    const norms = ssni.norms(x); // checks the images (shape, range, calibration) before any purification
    const ts = ssni.timesteps(norms);
    const seeds = seedStream(seed);
    let out: tf.Tensor2D | undefined;
    let first: tf.Tensor4D | undefined;
    try {
      for (let r = 0; r < o.runs; r++) {
        const seed = seeds.nextSeed();
        const next = tf.tidy(() => {
          const p = ssni.runner.purify(x, { t: (k: number) => ts[k]!, seed });
          if (r === 0 && keep) first = tf.keep(p);
          const logits: unknown = classifier(p);
          assert(logits instanceof tf.Tensor && logits.rank === 2 && logits.shape[0] === x.shape[0], 'SHAPE_MISMATCH', () =>
            `Argument 'classifier' passed to '${fn}' must return logits [N,K] = [${x.shape[0]},K], got ` +
              `${logits instanceof tf.Tensor ? `shape ${describeValue(logits.shape)}` : describeValue(logits)}.`);
          const l = logits as Logits;
          if (o.runs === 1) return l;
          const oneHot = tf.cast(tf.oneHot(tf.argMax(l, 1) as tf.Tensor1D, l.shape[1]), 'float32') as tf.Tensor2D; // [N,K]
          return out === undefined ? oneHot : (tf.add(out, oneHot) as tf.Tensor2D);
        });
        out?.dispose();
        out = next;
      }
    } catch (e) {
      tf.dispose([out as tf.Tensor2D, first as tf.Tensor4D].filter((t) => t !== undefined));
      throw e;
    }
    const info: SsniDefenseInfo = Object.freeze({ norms: Array.from(norms), timesteps: Array.from(ts[0]!) });
    return first === undefined ? { logits: out as Logits, info } : { logits: out as Logits, images: first, info };
  };

  return Object.freeze({
    label,
    classify,
    surface,
    describe: () => JSON.parse(JSON.stringify(description_)) as DefenseDescription, // a fresh copy: callers may not mutate ours
    dispose: () => {},
  });
}
