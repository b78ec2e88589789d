import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertNumber, bpdaIdentity, describeValue, seedStream, type Images } from '@robustjs/core';
import { assertSchedule } from '../schedule';
import { assertNoisePredictor, fromDiffusionRange, qSampleUnchecked, toDiffusionRange } from '../qSample';
import { noiseIndices, stepMatrix, stepPairs } from '../sequences';
import { sdeStepUnchecked } from '../sdeSteps';
import { applyStep, stepCoefficients } from '../steps';
import { readTimesteps, type TimestepsLike } from '../timesteps';
import { runChain, type ChainStep } from './chain';
import { gdmpStep } from './gdmpStep';
import type { DiffusionPurifier, DiffusionPurifierSettings, PurifyOptions, StageTimesteps } from './types';

const KEYS = ['stages', 'steps', 'sampler', 'eta', 'guidance', 'sde', 'gradient', 'seed'] as const;

/** Checks settings (internal; `fn` names the factory). */
export function checkSettings(s: DiffusionPurifierSettings, fn: string): void {
  assertNoisePredictor(s.model, fn);
  assertSchedule(s.schedule, fn);
  assert(Array.isArray(s.stages) && s.stages.length >= 1, 'INVALID_ARGUMENT', () =>
    `Option 'stages' passed to '${fn}' must be a non-empty array of timesteps t*, got ${describeValue(s.stages)}.`);
  assert(Array.isArray(s.steps) && s.steps.length === s.stages.length, 'SHAPE_MISMATCH', () =>
    `Option 'steps' passed to '${fn}' must give one step count per stage (${s.stages.length}), got ${describeValue(s.steps)}.`);
  s.stages.forEach((t, k) => assertNumber(t, `stages[${k}]`, fn, { integer: true, min: 0, max: s.schedule.T }));
  s.steps.forEach((k, i) => assertNumber(k, `steps[${i}]`, fn, { integer: true, min: 1 }));
  assertNumber(s.eta, 'eta', fn, { min: 0 });
  assertNumber(s.seed, 'seed', fn, { integer: true });
  assert(['full', 'checkpoint', 'bpda'].includes(s.gradient), 'INVALID_ARGUMENT', () =>
    `Option 'gradient' passed to '${fn}' must be 'full', 'checkpoint' or 'bpda', got ${describeValue(s.gradient)}.`);
  assert(['ddpm', 'sde', 'gdmp'].includes(s.sampler), 'INVALID_ARGUMENT', () =>
    `Option 'sampler' passed to '${fn}' must be 'ddpm', 'sde' or 'gdmp', got ${describeValue(s.sampler)}.`);
  assert(s.sampler !== 'sde' || s.sde !== null, 'INVALID_ARGUMENT', () => `'${fn}': the 'sde' sampler needs option 'sde' (vpSde()).`);
  if (s.guidance !== null) {
    assertNumber(s.guidance.scale, 'guidance.scale', fn, { greaterThan: 0 });
    assertNumber(s.guidance.ptb, 'guidance.ptb', fn, { greaterThan: 0 });
  }
}

function stageTimesteps(t: StageTimesteps | undefined, stage: number, tStar: number, n: number, T: number, fn: string): Int32Array {
  const given = typeof t === 'function' ? t(stage, tStar) : t ?? tStar;
  return readTimesteps(given, n, typeof t === 'function' ? `t(${stage})` : 't', fn, 0, T);
}

/** The chain steps of one stage (noising, then K denoising steps), each with its own fixed seed. */
function stageSteps(s: DiffusionPurifierSettings, t: Int32Array, K: number, seeds: () => number): ChainStep[] {
  const { model, schedule } = s;
  const out: ChainStep[] = [];
  const nIdx = noiseIndices(t);
  const zSeed = seeds();
  out.push((u) => tf.tidy(() => qSampleUnchecked(schedule, u, nIdx, tf.randomNormal(u.shape, 0, 1, 'float32', zSeed) as tf.Tensor4D)));
  if (s.sampler === 'sde') {
    const sde = s.sde!;
    const sv = Float64Array.from(t, (v) => v / schedule.T);
    const sMax = Math.max(...sv);
    const end = 1e-5;
    if (sMax <= end) return out;
    for (let k = 0; k < K; k++) {
      const g0 = sMax - ((sMax - end) * k) / K;
      const g1 = sMax - ((sMax - end) * (k + 1)) / K;
      const cur = Float64Array.from(sv, (si) => Math.max(Math.min(g0, si), end));
      const ds = Float64Array.from(sv, (si, i) => (g1 >= si ? 0 : cur[i]! - g1));
      const seed = seeds();
      out.push((u) => sdeStepUnchecked('sde', model, sde, u, cur, ds, schedule.T,
        () => tf.randomNormal(u.shape, 0, 1, 'float32', seed) as tf.Tensor4D));
    }
    return out;
  }
  for (const { from, to } of stepPairs(stepMatrix(t, K))) {
    const seed = seeds();
    if (s.sampler === 'gdmp') {
      out.push(Object.assign((u: tf.Tensor4D, g: tf.Tensor4D) => gdmpStep(model, schedule, u, from, to, s.guidance, g, seed),
        { usesGuide: s.guidance !== null }));
    } else {
      const coef = stepCoefficients(schedule, from, to, s.eta);
      out.push((u) => applyStep(model, u, from, coef,
        coef.anyNoise ? tf.tidy(() => tf.randomNormal(u.shape, 0, 1, 'float32', seed) as tf.Tensor4D) : undefined));
    }
  }
  return out;
}

/**
 * Builds a {@link DiffusionPurifier} from full settings (the engine behind `diffPure`, `gdmp` and `gns`).
 *
 * @param kind - a label (`'diffpure'`, `'gdmp'`, …).
 * @param settings - the settings (checked).
 * @param fn - the factory's name, for messages.
 * @returns the purifier.
 * @throws RobustError for invalid settings.
 * @example
 * ```ts
 * const p = createDiffusionPurifier('diffpure', { ...settings }, 'diffPure');
 * ```
 */
export function createDiffusionPurifier(kind: string, settings: DiffusionPurifierSettings, fn: string): DiffusionPurifier {
  checkSettings(settings, fn);
  const s = Object.freeze({ ...settings, stages: Object.freeze([...settings.stages]), steps: Object.freeze([...settings.steps]) });
  const stream = seedStream(s.seed);

  const purify = (x: Images, options: PurifyOptions = {}): tf.Tensor4D => {
    const call = `${kind}.purify`;
    assertImages(x, 'x', call);
    const extra = Object.keys(options).filter((k) => k !== 't' && k !== 'seed');
    assert(extra.length === 0, 'UNKNOWN_OPTION', () => `'${call}' got unknown option(s) ${extra.join(', ')}; known: t, seed.`);
    if (options.seed !== undefined) assertNumber(options.seed, 'seed', call, { integer: true });
    const n = x.shape[0];
    const ts = s.stages.map((tStar, k) => stageTimesteps(options.t, k, tStar, n, s.schedule.T, call));
    const seeds = seedStream(options.seed ?? stream.next());
    const run = (xIn: tf.Tensor4D): tf.Tensor4D => tf.tidy(() => {
      const u0 = toDiffusionRange(xIn);
      const steps = ts.flatMap((t, k) => stageSteps(s, t, s.steps[k]!, () => seeds.next()));
      return fromDiffusionRange(runChain(u0, u0, steps, s.gradient === 'checkpoint' ? 'checkpoint' : 'full'));
    });
    return s.gradient === 'bpda' ? bpdaIdentity(run)(x) : run(x);
  };

  const chain = (n: number, seed: number, t?: StageTimesteps): readonly ChainStep[] => {
    const call = `${kind}.chain`;
    assertNumber(n, 'n', call, { integer: true, min: 1 });
    assertNumber(seed, 'seed', call, { integer: true });
    const seeds = seedStream(seed);
    const T = s.schedule.T;
    const ts = s.stages.map((tStar, k) => stageTimesteps(t, k, tStar, n, T, call));
    return Object.freeze(ts.flatMap((t, k) => stageSteps(s, t, s.steps[k]!, () => seeds.next())));
  };

  const callable = ((x: Images, t?: TimestepsLike, options: { seed?: number } = {}) =>
    purify(x, { ...options, ...(t === undefined ? {} : { t }) })) as DiffusionPurifier;
  return Object.assign(callable, {
    kind,
    settings: s,
    purify,
    chain,
    with(changes: Partial<Omit<DiffusionPurifierSettings, 'model' | 'schedule'>>) {
      const unknown = Object.keys(changes).filter((k) => !(KEYS as readonly string[]).includes(k));
      assert(unknown.length === 0, 'UNKNOWN_OPTION', () =>
        `'${kind}.with' got unknown setting(s) ${unknown.join(', ')}; known: ${KEYS.join(', ')}.`);
      return createDiffusionPurifier(kind, { ...s, ...changes }, `${kind}.with`);
    },
  });
}
