/*
 * The protocol of an evaluation: which images, which attack, which defenses, with every knob that changes a number.
 * A protocol is plain JSON (a file for `robustjs eval`, the built-in DEMO_PROTOCOL for `robustjs demo`); unknown keys
 * anywhere are rejected, so a typo never silently falls back to a default.
 */
import { isRobustError } from '@robustjs/core';
import { torchClassifierArchitecture } from '@robustjs/zoo';
import { CliError } from './errors';
import { epsProblem, type ProtocolDataset } from './threatModel';

/** The threat model and the attack's iteration budget (PGD+EOT for the purifiers, DAD's adaptive PGD+EOT for DAD). */
export interface AttackSettings {
  /** `'linf'` or `'l2'`. */
  readonly norm: 'linf' | 'l2';
  /** Budget ε in `norm`. */
  readonly eps: number;
  /** PGD iterations. */
  readonly steps: number;
  /** Step size; `null` = 2.5·ε/steps (Madry et al.'s rule). */
  readonly stepSize: number | null;
  /** EOT draws averaged per gradient (1 for deterministic defenses). */
  readonly eot: number;
  /** Random restarts; an image is robust only when every restart fails. */
  readonly restarts: number;
  /** Start from a random point of the ε-ball. */
  readonly randomStart: boolean;
}

/** A protocol entry naming a table entry (a defense or an attack) and its options. */
export interface NamedSpec {
  /** The table entry, e.g. `'diffpure'` or `'pgd-eot'`. */
  readonly name: string;
  /** The row's label in tables (defenses only; default: the defense's own, e.g. `'DiffPure + SSNI-N'`). */
  readonly label?: string;
  /** The entry's options. */
  readonly [option: string]: unknown;
}

/**
 * One defense of a protocol: `name` picks the defense (`'none'`, `'diffpure'`, `'gdmp'`, `'gns'`, `'ssni'`, `'dad'`),
 * `attacks` (optional) replaces the protocol's `attacks` for this defense, the other keys are its options.
 */
export type DefenseSpec = NamedSpec & {
  /** The attacks run against this defense (per-sample worst case over them); default the protocol's `attacks`. */
  readonly attacks?: readonly AttackSpec[];
};

/**
 * One attack of a protocol: `name` picks the attack (`'pgd-eot'`, `'dad-adaptive'`), the other keys override the
 * budget of `attack` (steps, stepSize, eot, randomStart) and set the attack's own options.
 */
export type AttackSpec = NamedSpec;

/** The diffusion model architectures a protocol can load (see {@link UnetSpec}). */
export const UNET_ARCHITECTURES = ['robustjs', 'diffusers-unet2d', 'ddpmpp'] as const;

/** One of {@link UNET_ARCHITECTURES}. */
export type UnetArchitecture = (typeof UNET_ARCHITECTURES)[number];

/**
 * A diffusion model file with its architecture: `'robustjs'` (a `.safetensors` written by `saveUnet`),
 * `'diffusers-unet2d'` (a diffusers `UNet2DModel` folder with `config.json` and
 * `diffusion_pytorch_model.safetensors`, or that `.safetensors` file with `config.json` beside it,
 * e.g. google/ddpm-cifar10-32) or `'ddpmpp'` (Score-SDE's DDPM++ state dict as safetensors, e.g.
 * DiffPure's CIFAR-10 `checkpoint_8.pth` converted; `config` overrides `DDPMPP_DEFAULTS`).
 */
export interface UnetSpec {
  /** The file or folder. */
  readonly path: string;
  /** The architecture. */
  readonly architecture: UnetArchitecture;
  /** Config overrides (DDPM++ only). */
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * A classifier imported from PyTorch: a safetensors state dict (convert a `.pth` with
 * `python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors`) and its
 * architecture, a name `torchClassifierArchitecture` of `@robustjs/zoo` knows (`'wrn-28-10'`,
 * `'wrn-70-16'`, `'resnet-50'`, any `'wrn-<depth>-<width>'`), with config overrides.
 */
export interface ClassifierSpec {
  /** The `.safetensors` file. */
  readonly path: string;
  /** The architecture, e.g. `'wrn-28-10'`. */
  readonly architecture: string;
  /** Overrides of the architecture's config, e.g. `{ "numClasses": 100 }`. */
  readonly config?: Readonly<Record<string, unknown>>;
}

/** Paths of model files that replace the zoo's. */
export interface ModelPaths {
  /**
   * The diffusion model: a path (a robustjs UNet `.safetensors` written by `saveUnet`) or a
   * {@link UnetSpec}; default `@robustjs/zoo` `models/unet/unet.safetensors` (Fashion-MNIST only).
   */
  readonly unet?: string | UnetSpec;
  /** The classifier ({@link ClassifierSpec}); default the zoo's Fashion-MNIST CNN (required for CIFAR-10). */
  readonly classifier?: ClassifierSpec;
  /** The folder with DAD's `detector.safetensors`, `denoiser.safetensors` and `manifest.json`; default the zoo's `models/dad`. */
  readonly dad?: string;
}

/** A full evaluation protocol (all fields resolved). */
export interface Protocol {
  /** Format tag, `'robustjs-protocol'`. */
  readonly format: 'robustjs-protocol';
  /**
   * The data set: `'fashion-mnist'` (test split, embedded in `@robustjs/datasets`) or `'cifar10'`
   * (the binary version's test split, from `--data` or `$ROBUSTJS_DATA`; needs `models.classifier`).
   */
  readonly dataset: ProtocolDataset;
  /** Number of evaluation images: `images` consecutive rows of a seeded permutation of the test split, from `offset`. */
  readonly images: number;
  /** The first evaluation row in the permutation (default 0); `offset + images` ≤ 7000 (the rest is held out). */
  readonly offset: number;
  /** The master seed: image choice, attack starts, EOT draws and purifier noise all derive from it, per batch. */
  readonly seed: number;
  /** Images per batch: the unit of seeding, of sharding and of DAD's batch routing. */
  readonly batchSize: number;
  /** Images per model call inside a batch for the diffusion attacks (bounds memory; part of the protocol). */
  readonly chunkSize: number;
  /** How many of the first images the report shows as pictures (clean, adversarial, purified). */
  readonly examples: number;
  /** The attack. */
  readonly attack: AttackSettings;
  /**
   * The attacks run against every defense (per-sample worst case over them); `null` = each defense's recommended
   * attacks (its attack surface's `recommendedAttacks`, e.g. PGD+EOT, or DAD's three adaptive objectives).
   */
  readonly attacks: readonly AttackSpec[] | null;
  /** The defenses, evaluated in order on the same images. */
  readonly defenses: readonly DefenseSpec[];
  /** Model files replacing the zoo's. */
  readonly models: ModelPaths;
}

/** Defaults of a protocol file's top-level fields (everything but `defenses`). */
export const PROTOCOL_DEFAULTS = Object.freeze({
  format: 'robustjs-protocol' as const,
  dataset: 'fashion-mnist' as const,
  images: 64,
  offset: 0,
  seed: 0,
  batchSize: 64,
  chunkSize: 16,
  examples: 6,
  attack: Object.freeze({ norm: 'linf', eps: 0.1, steps: 10, stepSize: null, eot: 2, restarts: 1, randomStart: true } as AttackSettings),
  attacks: null as readonly AttackSpec[] | null,
  models: Object.freeze({}) as ModelPaths,
});

const DIFFPURE = { name: 'diffpure', t: 200, steps: 10, surrogateSteps: 3 };
const GDMP = { name: 'gdmp', t: 36, iterations: 2, steps: 12, surrogateSteps: 1 };
const GNS = { name: 'gns', stages: [30, 50, 100], steps: [2, 2, 4], runs: 3, surrogateSteps: [1, 1, 1] };

/**
 * The `robustjs demo` protocol, sized to finish within 10 minutes on two shared CPU cores (wasm + oneDNN kernels): 32
 * Fashion-MNIST test images in one batch; PGD l_inf ε = 0.1, 10 iterations of 0.025, EOT 1 (a fresh purifier draw at
 * every iteration); the undefended CNN; DiffPure t* = 200 with 10 defense steps and a 3-step surrogate (on
 * Fashion-MNIST, t* = 100 costs the zoo UNet's DiffPure no clean accuracy, so there is nothing for SSNI to recover:
 * t* = 200 is where DiffPure starts to trade clean accuracy for robustness, as t* = 100 does on CIFAR-10); DiffPure +
 * SSNI-L and + SSNI-N (T_S = 5, statistics of 100 held-out test images, τ = their std, b = 5); GDMP (2 iterations at
 * t* = 36, 12 guided steps each; the attack backprops through unguided 1-step surrogates); GNS (stages [30, 50, 100] with [2, 2, 4] steps, a 3-run vote, 1-step
 * surrogates); DAD with both adaptive loss signs and θ recalibrated at the batch size. {@link DEMO_FULL_PROTOCOL} adds
 * GDMP and GNS with SSNI-N and a larger budget.
 */
export const DEMO_PROTOCOL: Protocol = Object.freeze({
  ...PROTOCOL_DEFAULTS,
  images: 32,
  batchSize: 32,
  attack: Object.freeze({ ...PROTOCOL_DEFAULTS.attack, steps: 10, eot: 1 }),
  defenses: Object.freeze([
    { name: 'none' },
    DIFFPURE,
    { name: 'ssni', rule: 'ssni-l', epsSteps: 5, base: DIFFPURE },
    { name: 'ssni', rule: 'ssni-n', epsSteps: 5, base: DIFFPURE },
    GDMP,
    GNS,
    { name: 'dad' },
  ] as DefenseSpec[]),
}) as Protocol;

/**
 * `robustjs demo --full`: a larger budget (roughly 40–60 minutes on two shared CPU cores): 64 images, PGD l_inf
 * ε = 0.1, 10 iterations, EOT 2, 5-step DiffPure surrogate, and GDMP and GNS each with and without SSNI-N, besides
 * everything in {@link DEMO_PROTOCOL}.
 */
export const DEMO_FULL_PROTOCOL: Protocol = Object.freeze({
  ...PROTOCOL_DEFAULTS,
  images: 64,
  batchSize: 64,
  attack: Object.freeze({ ...PROTOCOL_DEFAULTS.attack, steps: 10, eot: 2 }),
  defenses: Object.freeze([
    { name: 'none' },
    { ...DIFFPURE, surrogateSteps: 5 },
    { name: 'ssni', rule: 'ssni-l', base: { ...DIFFPURE, surrogateSteps: 5 } },
    { name: 'ssni', rule: 'ssni-n', base: { ...DIFFPURE, surrogateSteps: 5 } },
    GDMP,
    { name: 'ssni', rule: 'ssni-n', base: GDMP },
    GNS,
    { name: 'ssni', rule: 'ssni-n', base: GNS },
    { name: 'dad' },
  ] as DefenseSpec[]),
}) as Protocol;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Rejects keys of `obj` that are not in `known` (a protocol typo must not fall back to a default silently).
 *
 * @param obj - the object read from JSON.
 * @param known - the allowed keys.
 * @param where - where it sits, for the message (e.g. `'attack'`, `'defenses[2]'`).
 * @param source - the file, for the message.
 * @throws {@link CliError} naming the first unknown key and listing the known ones.
 * @example
 * ```ts
 * checkKeys({ eps: 0.1 }, ['eps', 'steps'], 'attack', 'protocol.json');
 * ```
 */
export function checkKeys(obj: Record<string, unknown>, known: readonly string[], where: string, source: string): void {
  const unknown = Object.keys(obj).filter((k) => !known.includes(k));
  if (unknown.length > 0) {
    throw new CliError(`${source}: unknown key '${unknown[0]}' in ${where}; known keys: ${known.join(', ')}.`);
  }
}

/** The deepest nesting of objects and arrays accepted in a defense's or attack's options. */
const MAX_OPTION_DEPTH = 16;

/**
 * Refuses options nested deeper than {@link MAX_OPTION_DEPTH} (walked without recursion), so
 * hashing, comparing or printing the protocol cannot overflow the stack.
 */
function checkDepth(value: unknown, where: string, source: string): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop() as [unknown, number];
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_OPTION_DEPTH) {
      throw new CliError(`${source}: '${where}' nests objects or arrays more than ` +
        `${MAX_OPTION_DEPTH} deep; options are numbers, strings, booleans and small objects.`);
    }
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
}

function int(v: unknown, name: string, source: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new CliError(`${source}: '${name}' must be an integer ≥ ${min}, got ${JSON.stringify(v)}.`);
  return v;
}

function positive(v: unknown, name: string, source: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new CliError(`${source}: '${name}' must be a number ≥ 0, got ${JSON.stringify(v)}.`);
  return v;
}

/** Checks `models.unet` / `models.classifier` objects: `{path, architecture, config?}`. */
function modelSpec(v: unknown, key: string, source: string): Record<string, unknown> {
  const what = `${source}: 'models.${key}'`;
  if (!isObject(v)) throw new CliError(`${what} must be { "path": ..., "architecture": ... }.`);
  checkKeys(v, ['path', 'architecture', 'config'], `models.${key}`, source);
  if (typeof v.path !== 'string' || v.path.length === 0) throw new CliError(`${what}.path must be a path string.`);
  if (typeof v.architecture !== 'string') throw new CliError(`${what}.architecture must be a string.`);
  if (v.config !== undefined && !isObject(v.config)) throw new CliError(`${what}.config must be an object.`);
  checkDepth(v, `models.${key}`, source);
  return v;
}

/**
 * Checks `models`: `dad` a path; `unet` a path or a {@link UnetSpec}; `classifier` a
 * {@link ClassifierSpec} whose architecture and config `@robustjs/zoo` resolves (so a typo
 * fails here, before any work).
 */
function parseModels(modelsIn: Record<string, unknown>, source: string): ModelPaths {
  const { unet, dad, classifier } = modelsIn;
  if (dad !== undefined && typeof dad !== 'string') throw new CliError(`${source}: 'models.dad' must be a path string.`);
  let unetOut: string | UnetSpec | undefined;
  if (unet === undefined || typeof unet === 'string') {
    unetOut = unet;
  } else {
    const u = modelSpec(unet, 'unet', source);
    if (!(UNET_ARCHITECTURES as readonly unknown[]).includes(u.architecture)) {
      throw new CliError(`${source}: 'models.unet.architecture' must be one of ${UNET_ARCHITECTURES.join(', ')}, ` +
        `got ${JSON.stringify(u.architecture)}.`);
    }
    if (u.config !== undefined && u.architecture !== 'ddpmpp') {
      throw new CliError(`${source}: 'models.unet.config' applies to 'ddpmpp' only (a diffusers UNet ` +
        "reads its config.json, a robustjs UNet its file's metadata).");
    }
    unetOut = Object.freeze({ ...u }) as unknown as UnetSpec;
  }
  let classifierOut: ClassifierSpec | undefined;
  if (classifier !== undefined) {
    const c = modelSpec(classifier, 'classifier', source);
    try {
      torchClassifierArchitecture(c.architecture as string, (c.config ?? {}) as Record<string, unknown>);
    } catch (e) {
      if (!isRobustError(e)) throw e;
      throw new CliError(`${source}: 'models.classifier' is not a known architecture or config: ${e.message}`);
    }
    classifierOut = Object.freeze({ ...c }) as unknown as ClassifierSpec;
  }
  return Object.freeze({
    ...(unetOut === undefined ? {} : { unet: unetOut }),
    ...(dad === undefined ? {} : { dad }),
    ...(classifierOut === undefined ? {} : { classifier: classifierOut }),
  });
}

/**
 * Checks and completes a protocol read from JSON: fills defaults, rejects unknown keys (top level, `attack`,
 * `models`; each defense's options are checked by its adapter when the run starts), wrong types and
 * values, and defense or attack options nested more than 16 deep.
 *
 * @param json - the parsed file.
 * @param source - the file name, for messages.
 * @returns the resolved {@link Protocol}.
 * @throws {@link CliError} (exit status 2) on any problem, with one line naming the key.
 * @example
 * ```ts
 * const protocol = parseProtocol(JSON.parse(text), 'protocol.json');
 * ```
 */
export function parseProtocol(json: unknown, source: string): Protocol {
  if (!isObject(json)) throw new CliError(`${source}: a protocol must be a JSON object, got ${Array.isArray(json) ? 'an array' : typeof json}.`);
  checkKeys(json, ['format', 'dataset', 'images', 'offset', 'seed', 'batchSize', 'chunkSize', 'examples', 'attack', 'attacks', 'defenses', 'models'], 'the protocol', source);
  const d = PROTOCOL_DEFAULTS;
  if (json.format !== undefined && json.format !== d.format) throw new CliError(`${source}: 'format' must be '${d.format}', got ${JSON.stringify(json.format)}.`);
  const dataset = json.dataset ?? d.dataset;
  if (dataset !== 'fashion-mnist' && dataset !== 'cifar10') {
    throw new CliError(`${source}: 'dataset' must be 'fashion-mnist' or 'cifar10', got ${JSON.stringify(json.dataset)}.`);
  }
  const attackIn = json.attack ?? {};
  if (!isObject(attackIn)) throw new CliError(`${source}: 'attack' must be an object.`);
  checkKeys(attackIn, Object.keys(d.attack), 'attack', source);
  const a = { ...d.attack, ...attackIn } as Record<string, unknown>;
  if (a.norm !== 'linf' && a.norm !== 'l2') throw new CliError(`${source}: 'attack.norm' must be 'linf' or 'l2', got ${JSON.stringify(a.norm)}.`);
  if (typeof a.randomStart !== 'boolean') throw new CliError(`${source}: 'attack.randomStart' must be true or false.`);
  const epsIssue = typeof a.eps === 'number' ? epsProblem(a.eps, a.norm, JSON.stringify(a.eps), dataset)
    : `must be a number, got ${JSON.stringify(a.eps)}.`;
  if (epsIssue !== undefined) {
    throw new CliError(`${source}: 'attack.eps' ${epsIssue.replace('norm l2', '"norm": "l2"')}`);
  }
  const attack: AttackSettings = Object.freeze({
    norm: a.norm, eps: a.eps as number, steps: int(a.steps, 'attack.steps', source, 1),
    stepSize: a.stepSize === null ? null : positive(a.stepSize, 'attack.stepSize', source),
    eot: int(a.eot, 'attack.eot', source, 1), restarts: int(a.restarts, 'attack.restarts', source, 1), randomStart: a.randomStart,
  });
  const modelsIn = json.models ?? {};
  if (!isObject(modelsIn)) throw new CliError(`${source}: 'models' must be an object.`);
  checkKeys(modelsIn, ['unet', 'dad', 'classifier'], 'models', source);
  const models = parseModels(modelsIn, source);
  const defensesIn = json.defenses;
  if (!Array.isArray(defensesIn) || defensesIn.length === 0) throw new CliError(`${source}: 'defenses' must be a non-empty array of { "name": ... } objects.`);
  const attackList = (list: unknown, where: string): readonly AttackSpec[] => {
    if (!Array.isArray(list) || list.length === 0) {
      throw new CliError(`${source}: '${where}' must be null or a non-empty array of { "name": ... } objects.`);
    }
    return Object.freeze(list.map((s, i) => {
      if (!isObject(s) || typeof s.name !== 'string') {
        throw new CliError(`${source}: '${where}[${i}]' must be an object with a string 'name'.`);
      }
      checkDepth(s, `${where}[${i}]`, source);
      return Object.freeze({ ...s }) as AttackSpec;
    }));
  };
  const defenses = defensesIn.map((s, i) => {
    if (!isObject(s) || typeof s.name !== 'string') throw new CliError(`${source}: 'defenses[${i}]' must be an object with a string 'name'.`);
    checkDepth(s, `defenses[${i}]`, source);
    const own = s.attacks === undefined || s.attacks === null ? {} : { attacks: attackList(s.attacks, `defenses[${i}].attacks`) };
    const { attacks: _attacks, ...options } = s;
    return Object.freeze({ ...options, ...own }) as DefenseSpec;
  });
  const attacksIn = json.attacks ?? null;
  const attacks = attacksIn === null ? null : attackList(attacksIn, 'attacks');
  const protocol: Protocol = Object.freeze({
    format: d.format, dataset,
    images: int(json.images ?? d.images, 'images', source, 1),
    offset: int(json.offset ?? d.offset, 'offset', source, 0),
    seed: int(json.seed ?? d.seed, 'seed', source, 0),
    batchSize: int(json.batchSize ?? d.batchSize, 'batchSize', source, 1),
    chunkSize: int(json.chunkSize ?? d.chunkSize, 'chunkSize', source, 1),
    examples: int(json.examples ?? d.examples, 'examples', source, 0),
    attack, attacks, defenses: Object.freeze(defenses), models,
  });
  if (protocol.offset + protocol.images > 7000) {
    throw new CliError(`${source}: 'offset' + 'images' must be ≤ 7000 (the rest of the 10,000 test images are held out for calibration), ` +
      `got ${protocol.offset} + ${protocol.images}.`);
  }
  return protocol;
}
