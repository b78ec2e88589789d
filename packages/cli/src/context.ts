import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RobustError } from '@robustjs/core';
import { permutation } from '@robustjs/datasets';
import { loadCifar10, loadFashionMnist } from '@robustjs/datasets/node';
import { linearSchedule, type Unet } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import type { Denoiser } from '@robustjs/dad';
import { loadDad } from '@robustjs/dad/node';
import type { MmdDetector } from '@robustjs/mmd';
import { loadFeaturizer, modelsDir, referenceClassifier } from '@robustjs/zoo/node';
import { trainHint, trainScriptsRoot } from './commands/train';
import { CliError, MissingModelError } from './errors';
import { loadClassifierFile, loadDiffusionModel, type DiffusionModel } from './loadModels';
import type { ProgressSink } from './progress';
import type { Protocol } from './protocol';
import type { Classifier } from '@robustjs/core';
import type { Dataset } from '@robustjs/datasets';
import type { NoiseSchedule } from '@robustjs/diffusion';

/** DAD's parts as loaded from a model folder. */
export interface DadParts {
  /** The fitted MMD detector (reference batch R, deep kernel). */
  readonly detector: MmdDetector;
  /** The trained denoiser. */
  readonly denoiser: Denoiser;
  /** θ and the batch size it was calibrated at, from the folder's manifest. */
  readonly threshold: { readonly value: number; readonly batchSize: number; readonly fpr: number };
  /** Where the files came from. */
  readonly dir: string;
}

/** What the defense table shares during one run: data, models (loaded lazily, once), progress output. */
export interface RunContext {
  /** The protocol in force. */
  readonly protocol: Protocol;
  /** The test split. */
  readonly dataset: Dataset;
  /** Rows of the evaluation images, in evaluation order. */
  readonly evalRows: Int32Array;
  /**
   * Rows held out for calibration, disjoint from the evaluation images and from each other by purpose.
   * @param purpose - `'ssni'` (up to 1,000 rows) or `'dad'` (up to 2,000 rows).
   * @param count - how many.
   */
  heldOut(purpose: 'ssni' | 'dad', count: number): Int32Array;
  /**
   * Rows of the training split for calibrations that use it: the first `count` rows of a permutation of the training
   * split seeded by the protocol's seed, with the split (loaded on first use).
   * @param count - how many.
   */
  trainRows(count: number): Promise<{ readonly dataset: Dataset; readonly rows: Int32Array }>;
  /** The classifier under every defense. */
  readonly classifier: Classifier;
  /** The diffusion model (loaded on first use): its ε-predictor and id. */
  unet(): Promise<DiffusionModel>;
  /**
   * The noise schedule (linear β from 1e-4 to 0.02, T = 1000): the zoo UNet's, google/ddpm-cifar10-32's and
   * the discretised VP-SDE of Score-SDE's DDPM++ (β_min = 0.1, β_max = 20).
   */
  readonly schedule: NoiseSchedule;
  /** DAD's parts (loaded on first use). */
  dad(): Promise<DadParts>;
  /** A value computed once per run and shared (e.g. an SSNI calibration), by key. */
  shared<T>(key: string, make: () => Promise<T>): Promise<T>;
  /** Where progress bars go (stderr), or undefined for silence. */
  readonly progress: ProgressSink | undefined;
}

/** Held-out ranges at the end of the seeded permutation (evaluation images come from its start). */
const HELD_OUT = { ssni: { offset: 0, max: 1000 }, dad: { offset: 1000, max: 2000 } } as const;

/** Where the zoo's UNet lives. */
export function defaultUnetPath(): string {
  return join(modelsDir(), 'unet', 'unet.safetensors');
}

/** Where the zoo's DAD files live. */
export function defaultDadDir(): string {
  return join(modelsDir(), 'dad');
}

async function readModelFile(path: string, what: string, fix: string): Promise<Uint8Array> {
  if (!existsSync(path)) throw new MissingModelError(`${what} not found at '${path}'. ${fix}`);
  try {
    return new Uint8Array(await readFile(path));
  } catch (e) {
    throw new CliError(`${what} at '${path}' cannot be read: ${(e as Error).message}. ${fix}`);
  }
}

function asUsageError(e: unknown, what: string, path: string, fix: string): Error {
  if (e instanceof CliError) return e;
  if (e instanceof RobustError) return new CliError(`${what} at '${path}' is unusable (${e.code}): ${e.message} ${fix}`);
  return e as Error;
}

/**
 * Loads a UNet file with a usage error (exit status 2) when it is missing, truncated or not a robustjs UNet.
 *
 * @param path - the `.safetensors` file.
 * @returns the network.
 * @throws {@link CliError} naming the file and the fix.
 * @example
 * ```ts
 * const unet = await loadUnetFile('packages/zoo/models/unet/unet.safetensors');
 * ```
 */
export async function loadUnetFile(path: string): Promise<Unet> {
  const fix = trainHint('diffusion', '--unet <file>', trainScriptsRoot());
  await readModelFile(path, 'The diffusion UNet', fix);
  try {
    return await loadUnet(path);
  } catch (e) {
    throw asUsageError(e, 'The diffusion UNet', path, fix);
  }
}

/**
 * Loads DAD's detector, denoiser and threshold from a folder with `loadDad` of `@robustjs/dad/node` (which checks the
 * manifest's size and SHA-256 of each file), the detector's featurizer being the zoo's.
 *
 * @param dir - the folder (`detector.safetensors`, `denoiser.safetensors`, `manifest.json`).
 * @returns the parts.
 * @throws {@link MissingModelError} when a file is missing; {@link CliError} for a corrupt or mismatched file.
 * @example
 * ```ts
 * const dad = await loadDadParts(defaultDadDir());
 * ```
 */
export async function loadDadParts(dir: string): Promise<DadParts> {
  const fix = trainHint('denoiser', '--dad <folder>', trainScriptsRoot());
  try {
    const loaded = await loadDad(dir, { featurizer: await loadFeaturizer() });
    return { detector: loaded.detector, denoiser: loaded.denoiser, threshold: loaded.threshold, dir };
  } catch (e) {
    if (e instanceof RobustError && e.code === 'NOT_FOUND') throw new MissingModelError(`DAD's files: ${e.message} ${fix}`);
    throw asUsageError(e, "DAD's files", dir, fix);
  }
}

/** Options of {@link createRunContext}. */
export interface RunContextOptions {
  /** Where progress goes (stderr), or undefined. */
  readonly progress?: ProgressSink | undefined;
  /**
   * The folder of the data set's files (`cifar-10-batches-bin` or its parent; the Fashion-MNIST IDX
   * files); default: `$ROBUSTJS_DATA`, then (Fashion-MNIST) Debian's copy and the embedded test split.
   */
  readonly data?: string | undefined;
}

/** The defenses that need a diffusion model. */
const DIFFUSION_DEFENSES: ReadonlySet<string> = new Set(['diffpure', 'gdmp', 'gns', 'ssni']);

/**
 * The zoo's models are Fashion-MNIST's: on CIFAR-10 the protocol must name a classifier, a
 * diffusion model when a diffusion defense runs, and DAD's folder when DAD runs; checked before
 * any work.
 */
function checkModelsFor(protocol: Protocol): void {
  if (protocol.dataset === 'fashion-mnist') return;
  const names = new Set(protocol.defenses.map((d) => d.name));
  const need = (what: string, example: string): never => {
    throw new CliError(`protocol: dataset '${protocol.dataset}' needs ${what} (the zoo's models are ` +
      `Fashion-MNIST's), e.g. ${example}.`);
  };
  if (protocol.models.classifier === undefined) {
    need("'models.classifier'", '{ "path": "wrn-28-10.safetensors", "architecture": "wrn-28-10" }');
  }
  if (protocol.models.unet === undefined && [...names].some((n) => DIFFUSION_DEFENSES.has(n))) {
    need("'models.unet' for its diffusion defenses", '{ "path": "ddpmpp.safetensors", "architecture": "ddpmpp" }');
  }
  if (protocol.models.dad === undefined && names.has('dad')) need("'models.dad' for DAD", '"models/cifar10/dad"');
}

/** The test or training split of the protocol's data set. */
function loadSplit(protocol: Protocol, split: 'test' | 'train', root: string | undefined): Promise<Dataset> {
  const options = { split, ...(root === undefined ? {} : { root: resolve(root) }) };
  return protocol.dataset === 'cifar10' ? loadCifar10(options) : loadFashionMnist(options);
}

/** The diffusion model of `models.unet`: a robustjs UNet path (default the zoo's) or a spec. */
function loadUnetSpec(protocol: Protocol): Promise<DiffusionModel> {
  const spec = protocol.models.unet;
  if (spec === undefined || typeof spec === 'string') {
    return loadUnetFile(resolve(spec ?? defaultUnetPath()))
      .then((u) => ({ predict: u.predict, id: 'robustjs-zoo-unet' }));
  }
  return loadDiffusionModel(spec);
}

/**
 * Builds the {@link RunContext} of a protocol: the test split of its data set (Fashion-MNIST: Debian's copy or the
 * one embedded in `@robustjs/datasets`; CIFAR-10: `options.data` or `$ROBUSTJS_DATA`), the evaluation rows (the first
 * `images` of a permutation seeded by `protocol.seed`), the classifier (`models.classifier`, else the zoo's CNN), and
 * lazy loaders of the diffusion model and of DAD's parts.
 *
 * @param protocol - the protocol.
 * @param options - `progress`, `data`.
 * @throws {@link CliError} when a CIFAR-10 protocol lacks a model it needs, or a model file is unusable;
 *   {@link MissingModelError} when the classifier file is absent; the data set's `RobustError` when it is missing.
 * @returns the context.
 * @example
 * ```ts
 * const context = await createRunContext(DEMO_PROTOCOL, { progress: process.stderr });
 * ```
 */
export async function createRunContext(protocol: Protocol, options: RunContextOptions = {}): Promise<RunContext> {
  checkModelsFor(protocol);
  const dataset = await loadSplit(protocol, 'test', options.data);
  const order = permutation(dataset.shape[0], protocol.seed);
  if (protocol.offset + protocol.images > order.length) {
    throw new CliError(`protocol: 'offset' + 'images' = ${protocol.offset + protocol.images} but the test split ` +
      `has ${order.length} images.`);
  }
  const evalRows = order.slice(protocol.offset, protocol.offset + protocol.images);
  const classifier = protocol.models.classifier === undefined
    ? await referenceClassifier()
    : await loadClassifierFile(protocol.models.classifier);
  const cache = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, make: () => Promise<T>): Promise<T> => {
    let p = cache.get(key) as Promise<T> | undefined;
    if (p === undefined) {
      p = make();
      cache.set(key, p);
    }
    return p;
  };
  return {
    protocol,
    dataset,
    evalRows,
    heldOut(purpose, count) {
      const range = HELD_OUT[purpose];
      if (count > range.max) throw new CliError(`At most ${range.max} held-out images are reserved for ${purpose}, asked for ${count}.`);
      const end = order.length - range.offset;
      if (end - count < protocol.offset + protocol.images) {
        throw new CliError(`The ${count} held-out images for ${purpose} would overlap the evaluation images: the test ` +
          `split has ${order.length} images, ${protocol.offset + protocol.images} are evaluated. Ask for fewer.`);
      }
      return order.slice(end - count, end);
    },
    async trainRows(count) {
      const train = await once('train', () => loadSplit(protocol, 'train', options.data));
      if (count > train.shape[0]) throw new CliError(`The training split has ${train.shape[0]} images, asked for ${count}.`);
      return { dataset: train, rows: permutation(train.shape[0], protocol.seed).slice(0, count) };
    },
    classifier,
    schedule: linearSchedule(),
    unet: () => once('unet', () => loadUnetSpec(protocol)),
    dad: () => once('dad', () => loadDadParts(resolve(protocol.models.dad ?? defaultDadDir()))),
    shared: once,
    progress: options.progress,
  };
}
