import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, describeValue } from '../errors';
import { nullProtoFromEntries } from './safetensorsHeader';
import { fileSystem } from './fileSystem';
import { toFsPath } from './nodeFiles';

/**
 * Saves a plain map of named tensors in the tfjs layout (Node only): a `model.json` holding only a
 * `weightsManifest` (no topology) plus `weights.bin`, both written atomically. Use it for
 * checkpoints of anything that is not a `tf.LayersModel` (e.g. a deep kernel's parameters).
 * The tensors are not disposed.
 *
 * @param path - a directory, or the path of the JSON file; a `file://` prefix is accepted.
 * @param tensors - the tensors by name (float32, int32, bool, string or complex64).
 * @returns the tfjs save result.
 * @throws `RobustError` `INVALID_ARGUMENT` when `tensors` is not a map of live tensors;
 *   `IO_ERROR` when a file cannot be written.
 * @example
 * ```ts
 * await saveWeightMap('/tmp/kernel', { w: kernel.w, b: kernel.b });
 * const restored = await loadWeightMap('/tmp/kernel');
 * ```
 */
export async function saveWeightMap(path: string, tensors: tf.NamedTensorMap): Promise<tf.io.SaveResult> {
  const fn = 'saveWeightMap';
  const dir = toFsPath(path, 'path', fn);
  assert(typeof tensors === 'object' && tensors !== null && !Array.isArray(tensors), 'INVALID_ARGUMENT', () =>
    `Argument 'tensors' passed to '${fn}' must map names to tf.Tensors, got ${describeValue(tensors)}.`);
  for (const [name, t] of Object.entries(tensors)) {
    assert(t instanceof tf.Tensor && !t.isDisposed, 'INVALID_ARGUMENT', () =>
      `Tensor '${name}' passed to '${fn}' must be a live tf.Tensor, got ${t instanceof tf.Tensor ? 'a disposed tensor' : describeValue(t)}.`);
  }
  const { data, specs } = await tf.io.encodeWeights(tensors);
  return fileSystem(dir).save({
    weightSpecs: specs,
    weightData: data,
    format: 'weights-map',
    generatedBy: `robustjs saveWeightMap (TensorFlow.js tfjs-core v${tf.version_core})`,
    convertedBy: null,
  });
}

/** The weight dtypes `tf.io.decodeWeights` reads, and its quantization dtypes. */
const DTYPES: ReadonlySet<string> = new Set(['float32', 'int32', 'bool', 'complex64', 'string']);
const QUANTIZED: ReadonlySet<string> = new Set(['uint8', 'uint16', 'float16']);

/**
 * Loads a map of named tensors saved by {@link saveWeightMap} (or the weights of any tfjs model
 * directory) (Node only). The caller owns, and must dispose, the returned tensors.
 *
 * @param path - a directory, or the path of the JSON file; a `file://` prefix is accepted.
 * @returns a map (without a prototype) from weight name to a new tensor.
 * @throws `RobustError` as the `load` of {@link fileSystem}: `NOT_FOUND` for a missing
 *   JSON or weights file, `CORRUPT_FILE` for invalid JSON, weights of the wrong size, a dtype
 *   tfjs cannot decode, or any other decoding failure (with the cause; no tensor is left alive);
 *   `CORRUPT_FILE` for a weight named `__proto__` (checked before any tensor is created).
 * @example
 * ```ts
 * const { w, b } = await loadWeightMap('file:///tmp/kernel');
 * ```
 */
export async function loadWeightMap(path: string): Promise<tf.NamedTensorMap> {
  const fn = 'loadWeightMap';
  const file = toFsPath(path, 'path', fn);
  const artifacts = await fileSystem(file).load();
  const specs = artifacts.weightSpecs ?? [];
  for (const spec of specs) {
    // tf.io.decodeWeights assigns out[name] = tensor, so this name would replace the map's prototype.
    assert(spec.name !== '__proto__', 'CORRUPT_FILE', () =>
      `'${fn}' cannot read the weights at '${file}': weight '__proto__' is not an allowed name ` +
        '(it would replace the prototype of the result map). Rename it and save the weights again.');
  }
  for (const spec of specs) {
    const q = spec.quantization?.dtype;
    assert(DTYPES.has(spec.dtype) && (q === undefined || QUANTIZED.has(q)), 'CORRUPT_FILE', () =>
      `'${fn}' cannot read the weights at '${file}': weight ${describeValue(spec.name)} ` +
        `has dtype ${describeValue(spec.dtype)}` +
        `${q === undefined ? '' : ` quantized as ${describeValue(q)}`}; tfjs reads ` +
        `${[...DTYPES].join(', ')} (quantized as ${[...QUANTIZED].join(', ')}). ` +
        'Save the weights again.');
  }
  let decoded: tf.NamedTensorMap;
  try {
    // tidy: tensors decoded before a failure are freed with it
    decoded = tf.tidy(() => tf.io.decodeWeights(artifacts.weightData ?? new ArrayBuffer(0), specs));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new RobustError('CORRUPT_FILE',
      `'${fn}' cannot decode the weights at '${file}': ${why}. Save the weights again.`, { cause });
  }
  return nullProtoFromEntries(Object.entries(decoded));
}
