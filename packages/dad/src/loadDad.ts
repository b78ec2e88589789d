/**
 * Loads a DAD folder written by `npm run train -w @robustjs/dad` (Node only): `detector.safetensors`,
 * `denoiser.safetensors` and `manifest.json`, whose θ is the one source of truth for the threshold.
 *
 * @packageDocumentation
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, describeValue, resolveOptions } from '@robustjs/core';
import { MmdDetector, type Featurizer } from '@robustjs/mmd';
import { Denoiser } from './Denoiser';

/** One file a DAD manifest records: its path in the folder, its size and its SHA-256 (hex). */
export interface DadManifestFile {
  /** The file's name in the folder, e.g. `'detector.safetensors'`. */
  readonly path: string;
  /** Its size in bytes, when recorded. */
  readonly bytes?: number;
  /** Its SHA-256, lower-case hex. */
  readonly sha256: string;
}

/** A DAD folder's `manifest.json`: θ with how it was calibrated, the files' checksums, and whatever training recorded. */
export interface DadManifest {
  /** θ on MMD²_b(R, B), the batch size it was calibrated at and its false-alarm rate (plus e.g. `batches`, `pool`). */
  readonly threshold: { readonly value: number; readonly batchSize: number; readonly fpr: number; readonly [key: string]: unknown };
  /** The files with their checksums (verified by {@link loadDad} when present). */
  readonly files?: readonly DadManifestFile[];
  /** Training records: command, seed, data hashes, metrics, … */
  readonly [key: string]: unknown;
}

/** Options of {@link loadDad}. */
export interface LoadDadOptions {
  /**
   * φ, the detector's featurizer as when the detector was saved: a function `[N,...] → [N,F]` or a `tf.LayersModel`
   * (used as a function when the file was saved with one, as the shipped detector was); omit for the identity.
   * The shipped folder needs `await loadFeaturizer()` from `@robustjs/zoo/node`.
   */
  readonly featurizer?: Featurizer;
}

/** What {@link loadDad} returns. */
export interface LoadedDad {
  /** The fitted MMD-OPT detector (reference batch R, deep kernel). */
  readonly detector: MmdDetector;
  /** The trained denoiser g. */
  readonly denoiser: Denoiser;
  /** θ from the manifest: its value, the batch size and false-alarm rate it was calibrated at. */
  readonly threshold: { readonly value: number; readonly batchSize: number; readonly fpr: number };
  /** The manifest as read. */
  readonly manifest: DadManifest;
  /** The folder. */
  readonly dir: string;
  /** Disposes the detector and the denoiser (not the featurizer). */
  dispose(): void;
}

const FN = 'loadDad';
const REQUIRED = ['detector.safetensors', 'denoiser.safetensors'] as const;
const FIX = 'Point to a complete DAD folder: the one @robustjs/zoo ships (models/dad; reinstall @robustjs/zoo if files ' +
  "are missing), or one trained in a robustjs checkout with 'npx robustjs train denoiser'.";

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new RobustError(missing ? 'NOT_FOUND' : 'IO_ERROR',
      `'${FN}' cannot read '${path}': ${missing ? 'the file does not exist' : (cause as Error).message}. ${FIX}`, { cause });
  }
}

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function parseManifest(bytes: Uint8Array, path: string): DadManifest {
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new RobustError('CORRUPT_FILE', `'${FN}' cannot parse '${path}': ${(cause as Error).message}. ${FIX}`, { cause });
  }
  const t = (m as { threshold?: Record<string, unknown> } | null)?.threshold;
  assert(isNumber(t?.['value']) && isNumber(t['batchSize']) && Number.isInteger(t['batchSize']) && t['batchSize'] >= 1 &&
    isNumber(t['fpr']) && t['fpr'] > 0 && t['fpr'] < 1, 'CORRUPT_FILE', () =>
    `'${FN}' cannot use '${path}': it must hold threshold { value: number, batchSize: integer ≥ 1, fpr in (0,1) }, ` +
      `got ${describeValue(t)}. ${FIX}`);
  const files = (m as { files?: unknown }).files;
  assert(files === undefined || (Array.isArray(files) && files.every((f: Partial<DadManifestFile> | null) =>
    typeof f?.path === 'string' && /^[^/\\]+$/.test(f.path) && f.path !== '..' && typeof f.sha256 === 'string' &&
    (f.bytes === undefined || isNumber(f.bytes)))), 'CORRUPT_FILE', () =>
    `'${FN}' cannot use '${path}': 'files' must be a list of { path (a file name in the folder), bytes?, sha256 }, got ${describeValue(files)}. ${FIX}`);
  return m as DadManifest;
}

/**
 * Loads DAD's detector, denoiser and threshold from a folder: reads `manifest.json`, checks the size and SHA-256 of
 * every file the manifest lists, then restores `detector.safetensors` ({@link @robustjs/mmd!MmdDetector.load}) and
 * `denoiser.safetensors` ({@link Denoiser.load}). θ comes from the manifest (the value calibrated with the
 * detector), never from elsewhere.
 *
 * @param dir - the folder, e.g. `packages/zoo/models/dad`.
 * @param options - {@link LoadDadOptions}: `featurizer` (default none: the identity).
 * @returns {@link LoadedDad}: `detector`, `denoiser`, `threshold` `{ value, batchSize, fpr }`, `manifest`, `dir`, `dispose`.
 * @throws {@link @robustjs/core!index.RobustError} naming the file: `NOT_FOUND` for a missing file, `IO_ERROR` for one
 *   that cannot be read, `CORRUPT_FILE` for a manifest that is not JSON or has no valid threshold, a file whose size
 *   or SHA-256 differs from the manifest's, or a truncated or foreign model file; `INVALID_ARGUMENT` for a
 *   featurizer of another kind than the detector was saved with; `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * import { loadDad } from '@robustjs/dad/node';
 * const dad = await loadDad('packages/zoo/models/dad', { featurizer: await loadFeaturizer() });
 * const defense = dadDefense({ classifier, detector: dad.detector, denoiser: dad.denoiser, threshold: dad.threshold.value });
 * ```
 */
export async function loadDad(dir: string, options?: LoadDadOptions): Promise<LoadedDad> {
  assert(typeof dir === 'string' && dir.length > 0, 'INVALID_ARGUMENT', () =>
    `Argument 'dir' passed to '${FN}' must be the path of a DAD folder (detector.safetensors, denoiser.safetensors, manifest.json), got ${describeValue(dir)}.`);
  const { featurizer } = resolveOptions(FN, { featurizer: undefined as Featurizer | undefined }, options);
  assert(featurizer === undefined || typeof featurizer === 'function' || featurizer instanceof tf.LayersModel, 'INVALID_ARGUMENT', () =>
    `Option 'featurizer' passed to '${FN}' must be a function [N,...] → [N,F] or a tf.LayersModel, got ${describeValue(featurizer)}.`);
  const manifestPath = join(dir, 'manifest.json');
  const manifest = parseManifest(await readBytes(manifestPath), manifestPath);

  const bytes = new Map<string, Uint8Array>();
  const names = [...new Set([...REQUIRED, ...(manifest.files ?? []).map((f) => f.path)])];
  for (const name of names) bytes.set(name, await readBytes(join(dir, name)));
  for (const f of manifest.files ?? []) {
    const path = join(dir, f.path);
    const b = bytes.get(f.path) as Uint8Array;
    assert(f.bytes === undefined || b.length === f.bytes, 'CORRUPT_FILE', () =>
      `'${FN}' found '${path}' corrupt: ${b.length} bytes, the manifest '${manifestPath}' records ${f.bytes}. ${FIX}`);
    const got = createHash('sha256').update(b).digest('hex');
    assert(got === f.sha256.toLowerCase(), 'CORRUPT_FILE', () =>
      `'${FN}' found '${path}' corrupt: sha256 ${got} differs from the manifest's ${f.sha256}. ${FIX}`);
  }

  const detectorPath = join(dir, 'detector.safetensors');
  const detectorBytes = bytes.get('detector.safetensors') as Uint8Array;
  let detector: MmdDetector;
  try {
    detector = MmdDetector.load(detectorBytes, featurizer, detectorPath);
  } catch (first) {
    // A detector saved with φ as a function needs a function: use a LayersModel through its apply().
    if (!(featurizer instanceof tf.LayersModel)) throw first;
    const phi = (x: tf.Tensor): tf.Tensor => featurizer.apply(x) as tf.Tensor;
    try {
      detector = MmdDetector.load(detectorBytes, phi, detectorPath);
    } catch (second) {
      throw /as when/.test((first as Error).message) ? second : first; // the first failure, unless it was only φ's kind
    }
  }
  let denoiser: Denoiser;
  try {
    denoiser = Denoiser.load(bytes.get('denoiser.safetensors') as Uint8Array, join(dir, 'denoiser.safetensors'));
  } catch (e) {
    detector.dispose();
    throw e;
  }
  const { value, batchSize, fpr } = manifest.threshold;
  return {
    detector, denoiser, manifest, dir,
    threshold: Object.freeze({ value, batchSize, fpr }),
    dispose: () => {
      detector.dispose();
      denoiser.dispose();
    },
  };
}
