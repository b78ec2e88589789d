/*
 * The defenses a protocol can name: option tables mapped onto the library's Defense factories
 * (@robustjs/attacks `undefended`, @robustjs/diffusion `purifierDefense`, @robustjs/ssni `ssniDefense`,
 * @robustjs/dad `dadDefense(...).asDefense`). No defense logic lives here: options in, a library value out.
 */
import type { Defense } from '@robustjs/core';
import { undefended } from '@robustjs/attacks';
import { dadDefense } from '@robustjs/dad';
import { toTensors } from '@robustjs/datasets';
import { diffPure, gdmp, gns, purifierDefense, type DiffusionPurifier, type GradientMode } from '@robustjs/diffusion';
import { calibrate, ssniDefense, ssniPurifier, type SsniCalibration } from '@robustjs/ssni';
import type { RunContext } from '../context';
import { CliError } from '../errors';
import type { DefenseSpec } from '../protocol';
import { progressBar } from '../progress';
import { boolOption, intList, intOption, numberOption, oneOf, resolveSpecOptions } from './options';

/** A diffusion chain built from options: the defense chain, the attack's surrogate chain and the vote. */
interface Chain {
  readonly label: string;
  readonly purifier: DiffusionPurifier;
  /** The chain the attack differentiates through, before SSNI (if any) wraps it. */
  readonly surrogateBase: DiffusionPurifier;
  readonly surrogateSteps: readonly number[];
  readonly surrogateNote: string;
  readonly gradient: GradientMode;
  readonly runs: number;
  readonly settings: Readonly<Record<string, number | string | boolean | readonly number[]>>;
}

/** One defense of the table: its options with defaults, and how to build it from the library's factories. */
export interface DefenseEntry {
  /** Every option key with its default (a protocol entry may use these besides `name` and `label`). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Checks nested entries before any work (SSNI's `base`). */
  validate?(o: Record<string, unknown>, where: string): void;
  /**
   * Builds the defense.
   * @param o - the options, defaults filled in.
   * @param label - the entry's `label`, if any.
   * @param context - the run context (data, lazily loaded models, shared calibrations).
   * @param where - where the entry sits, for messages.
   */
  create(o: Record<string, unknown>, label: string | undefined, context: RunContext, where: string): Promise<Defense>;
}

/** One diffusion chain of the table (DiffPure, GDMP, GNS): usable alone or as SSNI's base. */
interface ChainEntry {
  readonly defaults: Readonly<Record<string, unknown>>;
  chain(o: Record<string, unknown>, context: RunContext, where: string): Promise<Chain>;
}

const GRADIENTS = ['full', 'checkpoint', 'bpda'] as const;

const CHAINS: ReadonlyMap<string, ChainEntry> = new Map<string, ChainEntry>([
  ['diffpure', {
    defaults: Object.freeze({ t: 100, steps: 10, surrogateSteps: 5, gradient: 'full' }),
    async chain(o, context, where) {
      const t = intOption(o.t, 't', where, 1);
      const steps = intOption(o.steps, 'steps', where);
      const surrogateSteps = intOption(o.surrogateSteps, 'surrogateSteps', where);
      const gradient = oneOf(o.gradient, 'gradient', where, GRADIENTS);
      const purifier = diffPure((await context.unet()).predict, context.schedule, { t, steps });
      return { label: 'DiffPure', purifier, surrogateBase: purifier, surrogateSteps: [surrogateSteps], surrogateNote: '', gradient, runs: 1,
        settings: { method: 'DiffPure (DDPM, η = 1)', t, defenseSteps: steps, surrogateSteps, gradient } };
    },
  }],
  ['gdmp', {
    defaults: Object.freeze({ t: 36, iterations: 2, steps: 12, surrogateSteps: 2, guidance: true, surrogateGuidance: false, gradient: 'full' }),
    async chain(o, context, where) {
      const t = intOption(o.t, 't', where, 1);
      const iterations = intOption(o.iterations, 'iterations', where);
      const steps = intOption(o.steps, 'steps', where);
      const surrogateSteps = intOption(o.surrogateSteps, 'surrogateSteps', where);
      const gradient = oneOf(o.gradient, 'gradient', where, GRADIENTS);
      const guidance = boolOption(o.guidance, 'guidance', where);
      const surrogateGuidance = boolOption(o.surrogateGuidance, 'surrogateGuidance', where);
      const purifier = gdmp((await context.unet()).predict, context.schedule, { t, iterations, steps, ...(guidance ? {} : { guidance: null }) });
      // the guidance term scales with the step variance, which a few respaced steps make large: the attack's short
      // surrogate chain is unguided (the SSNI / Lee & Kim attack surrogates are unguided DDPM chains) unless asked
      const unguided = guidance && !surrogateGuidance;
      return { label: 'GDMP', purifier, surrogateBase: unguided ? purifier.with({ guidance: null }) : purifier,
        surrogateSteps: new Array<number>(iterations).fill(surrogateSteps), surrogateNote: unguided ? 'without guidance' : '', gradient, runs: 1,
        settings: { method: 'GDMP (MSE guidance)', t, iterations, defenseSteps: steps, surrogateSteps, guidance, surrogateGuidance, gradient } };
    },
  }],
  ['gns', {
    defaults: Object.freeze({ stages: [30, 50, 100], steps: [3, 3, 5], runs: 3, surrogateSteps: [1, 1, 2], gradient: 'full' }),
    async chain(o, context, where) {
      if (!Array.isArray(o.stages) || o.stages.length === 0) throw new CliError(`protocol: '${where}.stages' must be a non-empty array of t* values.`);
      const stages = intList(o.stages, 'stages', where, o.stages.length);
      const steps = intList(o.steps, 'steps', where, stages.length);
      const surrogateSteps = intList(o.surrogateSteps, 'surrogateSteps', where, stages.length);
      const runs = intOption(o.runs, 'runs', where);
      const gradient = oneOf(o.gradient, 'gradient', where, GRADIENTS);
      const purifier = gns((await context.unet()).predict, context.schedule, { stages, steps });
      return { label: 'GNS', purifier, surrogateBase: purifier, surrogateSteps, surrogateNote: '', gradient, runs,
        settings: { method: 'GNS (multi-stage DDPM, majority vote)', stages, defenseSteps: steps, runs, surrogateSteps, gradient } };
    },
  }],
]);

/** The defense of a diffusion chain alone. */
function chainDefense(entry: ChainEntry): DefenseEntry {
  return {
    defaults: entry.defaults,
    async create(o, label, context, where) {
      const c = await entry.chain(o, context, where);
      return purifierDefense(context.classifier, c.purifier, {
        label: label ?? c.label, runs: c.runs, surrogateNote: c.surrogateNote, settings: c.settings,
        surrogate: c.surrogateBase.with({ steps: [...c.surrogateSteps], gradient: c.gradient }),
      });
    },
  };
}

/** Where SSNI's clean reference statistics come from. */
type CalibrationSource = 'held-out' | 'train';

const CALIBRATION_TEXT: Readonly<Record<CalibrationSource, string>> = {
  'held-out': 'held-out test images',
  train: 'training images (seeded permutation)',
};

/** The clean reference statistics of SSNI, computed once per run (shared by every SSNI row with the same settings). */
function sharedCalibration(
  context: RunContext, epsSteps: number, count: number, source: CalibrationSource, batchSize: number,
): Promise<SsniCalibration> {
  return context.shared(`ssni-calibration:${source}:${epsSteps}:${count}:${batchSize}`, async () => {
    const unet = await context.unet();
    const bar = progressBar(context.progress, `SSNI calibration (${count} ${CALIBRATION_TEXT[source]}, T_S = ${epsSteps})`, count);
    const { dataset, rows } = source === 'train' ? await context.trainRows(count) : { dataset: context.dataset, rows: context.heldOut('ssni', count) };
    const { x } = toTensors(dataset, rows);
    try {
      return calibrate(unet.predict, context.schedule, x, { steps: epsSteps, seed: context.protocol.seed, modelId: unet.id, batchSize });
    } finally {
      x.dispose();
      bar.update(count);
      bar.done();
    }
  });
}

/** SSNI's base: a diffusion chain entry and its resolved options. */
function ssniBase(o: Record<string, unknown>, where: string): { entry: ChainEntry; options: Record<string, unknown>; label: string | undefined } {
  const spec = o.base as DefenseSpec;
  const entry = typeof spec === 'object' && spec !== null && typeof spec.name === 'string' ? CHAINS.get(spec.name) : undefined;
  if (entry === undefined) {
    throw new CliError(`protocol: '${where}.base' must be a DiffPure, GDMP or GNS entry like { "name": "diffpure" }, got ${JSON.stringify(spec)}.`);
  }
  return { entry, ...resolveSpecOptions(spec, entry.defaults, `${where}.base`) };
}

const SSNI: DefenseEntry = {
  defaults: Object.freeze({
    rule: 'ssni-n', base: { name: 'diffpure' }, tau: null, bias: 5, extraSteps: null, epsSteps: 10, calibrationImages: 100, calibration: 'held-out',
    // rows per EPS model call (images × grid points stacked): bounds memory with a full-size model
    epsBatchSize: 256,
  }),
  validate: (o, where) => void ssniBase(o, where),
  async create(o, label, context, where) {
    const rule = oneOf(o.rule, 'rule', where, ['ssni-n', 'ssni-l'] as const);
    const { entry: baseEntry, options: bo, label: baseLabel } = ssniBase(o, where);
    const c = await baseEntry.chain(bo, context, `${where}.base`);
    const bias = intOption(o.bias, 'bias', where, 0);
    const epsSteps = intOption(o.epsSteps, 'epsSteps', where);
    const epsBatchSize = intOption(o.epsBatchSize, 'epsBatchSize', where);
    const calibrationImages = intOption(o.calibrationImages, 'calibrationImages', where, 2);
    const source = oneOf(o.calibration, 'calibration', where, ['held-out', 'train'] as const);
    if (source === 'held-out' && calibrationImages > 1000) {
      throw new CliError(`protocol: '${where}.calibrationImages' must be ≤ 1000 held-out images, got ${calibrationImages} (or use calibration 'train').`);
    }
    const tau = o.tau === null ? undefined : numberOption(o.tau, 'tau', where, Number.MIN_VALUE);
    const { stages, steps } = c.purifier.settings;
    // the reference's +b denoising steps, scaled to the respaced chain (K steps for t*): round(b·K/t*)
    const extraSteps = o.extraSteps === null
      ? Math.max(...stages.map((t, k) => Math.round((bias * (steps[k] as number)) / Math.max(t, 1))))
      : intOption(o.extraSteps, 'extraSteps', where, 0);
    const unet = await context.unet();
    const calibration = await sharedCalibration(context, epsSteps, calibrationImages, source, epsBatchSize);
    const options = { rule, bias, extraSteps, batchSize: epsBatchSize, ...(tau === undefined ? {} : { tau }) };
    const ssni = ssniPurifier(c.purifier, unet.predict, calibration, options);
    const surrogate = c.surrogateBase === c.purifier ? ssni : ssniPurifier(c.surrogateBase, unet.predict, calibration, options);
    return ssniDefense(context.classifier, ssni, {
      ...(label === undefined ? {} : { label }), baseLabel: baseLabel ?? c.label, runs: c.runs,
      surrogate, surrogateSteps: [...c.surrogateSteps], gradient: c.gradient, surrogateNote: c.surrogateNote,
      settings: { ...c.settings, calibrationImages, calibrationFrom: CALIBRATION_TEXT[source] },
    });
  },
};

const DAD: DefenseEntry = {
  defaults: Object.freeze({
    mode: 'routing', objective: 'all', threshold: 'auto', fpr: 0.01, calibrationImages: 1000, calibrationBatches: 100, noiseStd: 0.25,
  }),
  async create(o, label, context, where) {
    const mode = oneOf(o.mode, 'mode', where, ['routing', 'always-denoise'] as const);
    const objective = oneOf(o.objective, 'objective', where, ['detect', 'evade', 'threshold', 'denoised', 'both', 'all'] as const);
    const thresholdMode = oneOf(o.threshold, 'threshold', where, ['auto', 'manifest', 'calibrate'] as const);
    const calibrationImages = intOption(o.calibrationImages, 'calibrationImages', where, 2);
    const calibrationBatches = intOption(o.calibrationBatches, 'calibrationBatches', where, 1);
    if (calibrationImages > 2000) throw new CliError(`protocol: '${where}.calibrationImages' must be ≤ 2000, got ${calibrationImages}.`);
    const fpr = numberOption(o.fpr, 'fpr', where, Number.MIN_VALUE, 1 - Number.EPSILON);
    const noiseStd = numberOption(o.noiseStd, 'noiseStd', where, 0);
    const { protocol } = context;
    const batchSize = protocol.batchSize;
    const parts = await context.dad();
    if (mode === 'routing' && thresholdMode === 'manifest' && parts.threshold.batchSize !== batchSize) {
      // MMD²_b's null distribution depends on the batch size: θ holds only at the size it was calibrated at
      throw new CliError(`protocol: '${where}.threshold' is 'manifest', whose θ was calibrated on batches of ` +
        `${parts.threshold.batchSize}, but the protocol classifies batches of ${batchSize}: the false-positive rate ` +
        `would not be ${parts.threshold.fpr}. Set 'batchSize' to ${parts.threshold.batchSize}, or threshold 'auto' or ` +
        "'calibrate' to recalibrate at this batch size.");
    }
    const useManifest = thresholdMode === 'manifest' || (thresholdMode === 'auto' && parts.threshold.batchSize === batchSize);
    let threshold = parts.threshold.value;
    let thresholdFrom = `manifest (${parts.dir}): fpr ${parts.threshold.fpr} at batch size ${parts.threshold.batchSize}`;
    if (!useManifest) {
      const key = `dad-threshold:${batchSize}:${fpr}:${calibrationImages}:${calibrationBatches}`;
      threshold = await context.shared(key, async () => {
        const bar = progressBar(context.progress, `DAD threshold (${calibrationBatches} clean batches of ${batchSize})`, 1, 'step');
        const { x } = toTensors(context.dataset, context.heldOut('dad', calibrationImages));
        try {
          return parts.detector.calibrate(x, { fpr, batchSize, batches: calibrationBatches, seed: protocol.seed });
        } finally {
          x.dispose();
          bar.update(1);
          bar.done();
        }
      });
      thresholdFrom = `recalibrated at batch size ${batchSize}: the ${Math.ceil((1 - fpr) * calibrationBatches)}-th of ` +
        `${calibrationBatches} clean-batch statistics (fpr ${fpr}) from ${calibrationImages} held-out test images`;
    }
    const dad = dadDefense({
      classifier: context.classifier, detector: parts.detector, denoiser: parts.denoiser, threshold,
      minBatchSize: Math.min(batchSize, protocol.images), noiseStd,
    });
    const objectives = objective === 'all' ? ['detect', 'evade', 'threshold'] as const
      : objective === 'both' ? ['detect', 'evade'] as const : [objective];
    const settings = { thresholdFrom, batchSize };
    // always-denoise: no detector in the loop, so no objectives; the label defaults to the library's 'DAD (always denoise)'
    return mode === 'routing'
      ? dad.asDefense({ label: label ?? 'DAD', objectives, settings })
      : dad.asDefense({ mode, ...(label === undefined ? {} : { label }), settings });
  },
};

/** The defenses by protocol name. */
export const DEFENSES: ReadonlyMap<string, DefenseEntry> = new Map<string, DefenseEntry>([
  ['none', { defaults: Object.freeze({}), create: async (_o, label, context) => undefended(context.classifier, label === undefined ? {} : { label }) }],
  ...[...CHAINS].map(([name, entry]) => [name, chainDefense(entry)] as const),
  ['ssni', SSNI],
  ['dad', DAD],
]);

/** A defense entry without its `attacks` (they are the evaluation's, not the defense's options). */
const withoutAttacks = (spec: DefenseSpec): DefenseSpec => {
  const { attacks: _attacks, ...rest } = spec;
  return rest as DefenseSpec;
};

/**
 * Checks every defense entry's name and option keys before any work (SSNI's `base` included).
 *
 * @param specs - the protocol's defenses.
 * @throws {@link CliError} for an unknown name or unknown keys.
 */
export function validateDefenses(specs: readonly DefenseSpec[]): void {
  specs.forEach((spec, i) => {
    const where = `defenses[${i}]`;
    const entry = DEFENSES.get(spec.name);
    if (entry === undefined) throw new CliError(`protocol: unknown defense '${spec.name}' at ${where}; known: ${[...DEFENSES.keys()].join(', ')}.`);
    const { options } = resolveSpecOptions(withoutAttacks(spec), entry.defaults, where);
    entry.validate?.(options, where);
  });
}

/**
 * Builds the defense of a protocol entry.
 *
 * @param spec - the entry.
 * @param context - the run context.
 * @param where - e.g. `'defenses[2]'`.
 * @returns the library defense.
 * @throws {@link CliError} for bad options; `MissingModelError` when its model files are absent.
 */
export async function createDefense(spec: DefenseSpec, context: RunContext, where: string): Promise<Defense> {
  const entry = DEFENSES.get(spec.name);
  if (entry === undefined) throw new CliError(`protocol: unknown defense '${spec.name}' at ${where}; known: ${[...DEFENSES.keys()].join(', ')}.`);
  const { options, label } = resolveSpecOptions(withoutAttacks(spec), entry.defaults, where);
  return entry.create(options, label, context, where);
}
