import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RobustError } from '@robustjs/core';
import { permutation } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { linearSchedule, type Unet } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import type { Denoiser } from '@robustjs/dad';
import { loadDad } from '@robustjs/dad/node';
import type { MmdDetector } from '@robustjs/mmd';
import { loadFeaturizer, modelsDir, referenceClassifier } from '@robustjs/zoo/node';
import { trainHint, trainScriptsRoot } from './commands/train';
import { CliError, MissingModelError } from './errors';
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
  /** The diffusion UNet (loaded on first use). */
  unet(): Promise<Unet>;
  /** The UNet's noise schedule (linear, T = 1000). */
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
}

/**
 * Builds the {@link RunContext} of a protocol: the Fashion-MNIST test split (Debian's copy or the one embedded in
 * `@robustjs/datasets`), the evaluation rows (the first `images` of a permutation seeded by `protocol.seed`), the
 * zoo classifier, and lazy loaders of the UNet and of DAD's parts.
 *
 * @param protocol - the protocol.
 * @param options - `progress`.
 * @returns the context.
 * @example
 * ```ts
 * const context = await createRunContext(DEMO_PROTOCOL, { progress: process.stderr });
 * ```
 */
export async function createRunContext(protocol: Protocol, options: RunContextOptions = {}): Promise<RunContext> {
  const dataset = await loadFashionMnist({ split: 'test' });
  const order = permutation(dataset.shape[0], protocol.seed);
  const evalRows = order.slice(protocol.offset, protocol.offset + protocol.images);
  const classifier = await referenceClassifier();
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
      return order.slice(end - count, end);
    },
    async trainRows(count) {
      const train = await once('train', () => loadFashionMnist({ split: 'train' }));
      if (count > train.shape[0]) throw new CliError(`The training split has ${train.shape[0]} images, asked for ${count}.`);
      return { dataset: train, rows: permutation(train.shape[0], protocol.seed).slice(0, count) };
    },
    classifier,
    schedule: linearSchedule(),
    unet: () => once('unet', () => loadUnetFile(resolve(protocol.models.unet ?? defaultUnetPath()))),
    dad: () => once('dad', () => loadDadParts(resolve(protocol.models.dad ?? defaultDadDir()))),
    shared: once,
    progress: options.progress,
  };
}
