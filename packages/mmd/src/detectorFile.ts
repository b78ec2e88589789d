import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, describeValue, encodeSafetensors, parseSafetensors } from '@robustjs/core';
import type { SafetensorsTensor } from '@robustjs/core';
import type { DeepKernelState } from './DeepKernel';
import type { MmdDetectorConfig } from './mmdDetectorConfig';
import type { Featurizer } from './types';

/**
 * The version of the `MmdDetector` file format written by `save` and the only one `load` reads.
 *
 * @example
 * ```ts
 * console.log(`detector files of format version ${MMD_DETECTOR_FORMAT_VERSION}`);
 * ```
 */
export const MMD_DETECTOR_FORMAT_VERSION = 1;

const FORMAT = 'robustjs-mmd-detector';

/** How φ was given: none (identity), a plain function (no weights) or a `tf.LayersModel` (weights saved). @internal */
export type FeaturizerKind = 'identity' | 'function' | 'layers-model';

/** The threshold state set by `calibrate`. @internal */
export interface Calibration {
  readonly threshold: number;
  readonly batchSize: number;
  readonly nullStatistics: readonly number[];
}

/** Everything a detector file holds. @internal */
export interface DetectorFile {
  readonly config: MmdDetectorConfig;
  readonly kernel: DeepKernelState;
  readonly featurizerKind: FeaturizerKind;
  /** φ's weights in `getWeights()` order (layers-model only). */
  readonly featurizerWeights: readonly tf.Tensor[];
  readonly reference: tf.Tensor;
  readonly calibration: Calibration | undefined;
}

const weightName = (i: number): string => `featurizer/${String(i).padStart(4, '0')}`;

/** Writes a detector as one safetensors artifact (metadata JSON + reference batch + φ's weights). @internal */
export async function encodeDetectorFile(file: DetectorFile): Promise<Uint8Array> {
  const tensors: Record<string, tf.Tensor> = { reference: file.reference };
  file.featurizerWeights.forEach((w, i) => { tensors[weightName(i)] = w; });
  const metadata: Record<string, string> = {
    format: FORMAT,
    version: String(MMD_DETECTOR_FORMAT_VERSION),
    config: JSON.stringify(file.config),
    kernel: JSON.stringify(file.kernel),
    featurizer: JSON.stringify({ kind: file.featurizerKind, weights: file.featurizerWeights.length }),
  };
  if (file.calibration !== undefined) metadata['calibration'] = JSON.stringify(file.calibration);
  return encodeSafetensors(tensors, metadata);
}

/** Reads and checks a detector file; the caller owns the returned tensors. @internal */
export function decodeDetectorFile(bytes: unknown, source: string, fn: string): Omit<DetectorFile, 'config'> & { config: unknown } {
  assert(bytes instanceof Uint8Array, 'INVALID_ARGUMENT', () =>
    `Argument 'bytes' passed to '${fn}' must be the Uint8Array written by MmdDetector.save(), got ${describeValue(bytes)}.`);
  let parsed: ReturnType<typeof parseSafetensors>;
  try {
    parsed = parseSafetensors(bytes, source);
  } catch (e) {
    throw new RobustError(e instanceof RobustError ? e.code : 'CORRUPT_FILE',
      `'${fn}' cannot read detector file '${source}' (${bytes.length} bytes): ${(e as Error).message} ` +
        'The file is truncated or not a detector file; save it again with detector.save().', { cause: e });
  }
  const { metadata, tensors } = parsed;
  const where = `'${fn}' cannot use detector file '${source}'`;
  assert(metadata['format'] === FORMAT, 'CORRUPT_FILE', () =>
    `${where}: it is a safetensors file but not an MmdDetector file (format ${describeValue(metadata['format'])}, expected "${FORMAT}").`);
  assert(metadata['version'] === String(MMD_DETECTOR_FORMAT_VERSION), 'INVALID_ARGUMENT', () =>
    `${where}: it was written in detector format version ${describeValue(metadata['version'])}, and this @robustjs/mmd reads ` +
      `version ${MMD_DETECTOR_FORMAT_VERSION} only. Load it with the @robustjs/mmd release that saved it, or fit and save the detector again.`);
  const json = (key: string, required: boolean): unknown => {
    const text = metadata[key];
    assert(text !== undefined || !required, 'CORRUPT_FILE', () => `${where}: metadata entry '${key}' is missing.`);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new RobustError('CORRUPT_FILE', `${where}: metadata entry '${key}' is not valid JSON (${(e as Error).message}).`, { cause: e });
    }
  };
  const config = json('config', true);
  const kernel = json('kernel', true) as DeepKernelState;
  assert(['sigma0Root', 'sigmaRoot', 'epsLogit'].every((k) => Number.isFinite((kernel as unknown as Record<string, unknown>)?.[k])), 'CORRUPT_FILE', () =>
    `${where}: metadata entry 'kernel' must hold finite sigma0Root, sigmaRoot and epsLogit, got ${describeValue(kernel)}.`);
  for (const key of ['sigma0Root', 'sigmaRoot'] as const) {
    const squared = kernel[key] * kernel[key];
    // σ = root² is a Gaussian bandwidth: 0 makes every statistic NaN, so the detector would never flag.
    assert(squared > 0 && Number.isFinite(squared), 'CORRUPT_FILE', () =>
      `${where}: metadata entry 'kernel' has ${key} ${kernel[key]}, expected a value whose square is finite and > 0 ` +
        '(it is the square root of a kernel bandwidth). Fit and save the detector again.');
  }
  const featurizer = json('featurizer', true) as { kind?: unknown; weights?: unknown };
  const tensorCount = Object.keys(tensors).length;
  assert(['identity', 'function', 'layers-model'].includes(featurizer?.kind as string) && Number.isInteger(featurizer.weights) &&
    (featurizer.weights as number) >= 0 && (featurizer.weights as number) < tensorCount, 'CORRUPT_FILE', () =>
    `${where}: metadata entry 'featurizer' is malformed: ${describeValue(featurizer)}; expected {kind, weights} with weights ` +
      `an integer from 0 to ${tensorCount - 1} (the file holds ${tensorCount} tensors, one of them 'reference').`);
  const calibration = json('calibration', false) as Calibration | undefined;
  assert(calibration === undefined || (typeof calibration === 'object' && calibration !== null &&
    Number.isFinite(calibration.threshold) && Number.isSafeInteger(calibration.batchSize) && calibration.batchSize > 0 &&
    Array.isArray(calibration.nullStatistics) && calibration.nullStatistics.every(Number.isFinite)), 'CORRUPT_FILE', () =>
    `${where}: metadata entry 'calibration' is malformed: ${describeValue(calibration)}; expected {threshold: finite number, ` +
      'batchSize: integer > 0, nullStatistics: finite numbers}. Calibrate and save the detector again.');
  const reference = tensors['reference'];
  assert(reference !== undefined && reference.shape.length >= 2 && reference.dtype === 'float32', 'CORRUPT_FILE', () =>
    `${where}: the float32 tensor 'reference' [N,...] is missing or malformed.`);
  const names = Array.from({ length: featurizer.weights as number }, (_, i) => weightName(i));
  for (const name of names) assert(tensors[name] !== undefined, 'CORRUPT_FILE', () => `${where}: featurizer weight '${name}' is missing.`);
  const made = tf.tidy(() => [reference, ...names.map((name) => tensors[name] as SafetensorsTensor)]
    .map((t) => tf.tensor(t.data, [...t.shape], t.dtype)));
  return { config, kernel, featurizerKind: featurizer.kind as FeaturizerKind, featurizerWeights: made.slice(1), reference: made[0] as tf.Tensor, calibration };
}

/** The {@link FeaturizerKind} of a featurizer. @internal */
export function kindOf(featurizer: Featurizer | undefined): FeaturizerKind {
  if (featurizer === undefined) return 'identity';
  return featurizer instanceof tf.LayersModel ? 'layers-model' : 'function';
}
