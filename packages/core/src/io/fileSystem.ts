import * as tf from '@tensorflow/tfjs';
import { basename, dirname, join } from 'node:path';
import { RobustError, assert, describeValue } from '../errors';
import { FILE_SCHEME, atomicWriteFile, readFileChecked, resolveInside, toFsPath } from './nodeFiles';

/** Bytes per element of each weight dtype (and quantized dtype); `string` weights have no fixed size. */
const BYTES_PER_ELEMENT: Readonly<Record<string, number>> = {
  float32: 4, int32: 4, bool: 1, complex64: 8, float16: 2, uint16: 2, uint8: 1,
};

/** Bytes the weights need in the weights file, or `undefined` when a string weight makes it variable. */
function weightBytes(weights: readonly tf.io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const w of weights) {
    const per = BYTES_PER_ELEMENT[w.quantization?.dtype ?? w.dtype];
    if (per === undefined) return undefined;
    total += w.shape.reduce((a, b) => a * b, 1) * per;
  }
  return total;
}

/** Where a model lives: `model.json` (or another `.json` name) and the weights file beside it. */
function locate(path: string): { jsonPath: string; weightsName: string } {
  const jsonPath = path.endsWith('.json') ? path : join(path, 'model.json');
  const stem = basename(jsonPath, '.json');
  return { jsonPath, weightsName: stem === 'model' ? 'weights.bin' : `${stem}.weights.bin` };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isManifest(value: unknown): value is tf.io.WeightsManifestConfig {
  const isEntry = (w: unknown) =>
    isObject(w) && typeof w['name'] === 'string' && typeof w['dtype'] === 'string' &&
    Array.isArray(w['shape']) && w['shape'].every((d) => Number.isSafeInteger(d) && d >= 0);
  return Array.isArray(value) && value.every((g) =>
    isObject(g) && Array.isArray(g['paths']) && g['paths'].every((p) => typeof p === 'string' && p.length > 0) &&
      Array.isArray(g['weights']) && g['weights'].every(isEntry));
}

async function saveArtifacts(path: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  const fn = 'fileSystem().save';
  const { jsonPath, weightsName } = locate(path);
  assert(!(artifacts.modelTopology instanceof ArrayBuffer), 'INVALID_ARGUMENT', () =>
    `'${fn}' cannot save to '${path}': binary (GraphDef) topologies are not supported; save a JSON topology.`);
  const specs = artifacts.weightSpecs ?? [];
  const data = artifacts.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const needed = weightBytes(specs);
  assert(needed === undefined || needed === data.byteLength, 'INVALID_ARGUMENT', () =>
    `'${fn}' cannot save to '${path}': the ${specs.length} weight specs need ${needed} bytes but weightData holds ${data.byteLength}.`);
  const modelJSON: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: specs.length > 0 || data.byteLength > 0 ? [{ paths: [weightsName], weights: specs }] : [],
  };
  for (const key of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature'] as const) {
    if (artifacts[key] != null) modelJSON[key] = artifacts[key];
  }
  // Weights first: a model.json on disk always points at complete weights.
  if (specs.length > 0 || data.byteLength > 0) await atomicWriteFile(join(dirname(jsonPath), weightsName), new Uint8Array(data), fn);
  await atomicWriteFile(jsonPath, JSON.stringify(modelJSON), fn);
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

async function loadArtifacts(path: string): Promise<tf.io.ModelArtifacts> {
  const fn = 'fileSystem().load';
  const { jsonPath } = locate(path);
  const text = await readFileChecked(jsonPath, fn, () =>
    `'${fn}' found no model JSON at '${jsonPath}'. Pass the directory the model was saved to, or the path of its model.json.`);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(text));
  } catch (cause) {
    throw new RobustError('CORRUPT_FILE', `'${fn}' cannot parse '${jsonPath}' as JSON (${String(cause)}). Save the model again.`, { cause });
  }
  assert(isObject(json) && (json['modelTopology'] != null || json['weightsManifest'] != null), 'CORRUPT_FILE', () =>
    `'${fn}' read '${jsonPath}' but it is not a tfjs model JSON: expected an object with modelTopology and/or weightsManifest, ` +
      `got ${describeValue(json)}.`);
  const manifest = json['weightsManifest'] ?? [];
  assert(isManifest(manifest), 'CORRUPT_FILE', () =>
    `'${fn}' read '${jsonPath}' but its weightsManifest is malformed: expected [{paths: string[], weights: ` +
      `[{name, shape, dtype}]}], got ${describeValue(manifest)}. Save the model again.`);
  const dir = dirname(jsonPath);
  // Every listed path must stay inside the model's folder; all are checked before any is read.
  const groupFiles: string[][] = [];
  for (const group of manifest) {
    const files: string[] = [];
    for (const p of group.paths) files.push(await resolveInside(dir, p, jsonPath, fn));
    groupFiles.push(files);
  }
  const chunks: Uint8Array[] = [];
  for (const [g, group] of manifest.entries()) {
    const files = groupFiles[g] ?? [];
    const shards: Uint8Array[] = [];
    for (const file of files) {
      shards.push(await readFileChecked(file, fn, () =>
        `'${fn}' cannot load '${jsonPath}': its weightsManifest lists the weights file '${file}', which does not exist. ` +
          'Copy every weights file listed in model.json next to it.'));
    }
    const got = shards.reduce((a, s) => a + s.length, 0);
    const needed = weightBytes(group.weights);
    assert(needed === undefined || got === needed, 'CORRUPT_FILE', () =>
      `'${fn}' cannot load '${jsonPath}': the weights file(s) ${describeValue(files)} hold ${got} bytes but the ` +
        `manifest's ${group.weights.length} weights need ${needed}. The weights are truncated or belong to another model; save it again.`);
    chunks.push(...shards);
  }
  const weightData = new Uint8Array(chunks.reduce((a, c) => a + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    weightData.set(c, at);
    at += c.length;
  }
  const specs = manifest.flatMap((g) => g.weights);
  // tfjs adapter: ModelJSON types modelTopology as required, but weight-only files (saveWeightMap)
  // omit it and getModelArtifactsForJSON copies whatever is there; the manifest was checked above.
  const modelJSON = json as unknown as tf.io.ModelJSON;
  return tf.io.getModelArtifactsForJSON(modelJSON, async () => [specs, weightData.buffer]);
}

/**
 * A tfjs IO handler that saves to and loads from the local file system (Node only), in the
 * tfjs layout: `model.json` plus one `weights.bin`. Each file is written atomically (temporary
 * file in the same directory, then rename) and missing directories are created.
 *
 * @param path - a directory, or the path of the model JSON file (ending in `.json`); a
 *   `file://` prefix is accepted and stripped. Saving under another JSON name `x.json` writes
 *   `x.weights.bin`. Loading reads every weights file the manifest lists, and only from inside
 *   the model's folder.
 * @returns a `tf.io.IOHandler` with both `save` and `load`.
 * @throws `RobustError` `INVALID_ARGUMENT` when `path` is not a non-empty string. From
 *   `load`: `NOT_FOUND` when model.json or a listed weights file is missing (naming both);
 *   `CORRUPT_FILE` for invalid JSON, a malformed manifest, or weights files whose size differs
 *   from what the manifest's shapes and dtypes need; `INVALID_ARGUMENT` when a manifest path is
 *   absolute, escapes the model's folder with `..`, or is a symlink whose real path leaves it
 *   (checked before any weights file is read); `IO_ERROR` when a file cannot be read. From
 *   `save`: `IO_ERROR` when a file cannot be written; `INVALID_ARGUMENT` for a binary topology or
 *   weight data that does not match the weight specs.
 * @example
 * ```ts
 * await model.save(fileSystem('/tmp/my-model'));
 * const again = await tf.loadLayersModel(fileSystem('/tmp/my-model/model.json'));
 * ```
 */
export function fileSystem(path: string): Required<tf.io.IOHandler> {
  const fsPath = toFsPath(path, 'path', 'fileSystem');
  return { save: (artifacts) => saveArtifacts(fsPath, artifacts), load: () => loadArtifacts(fsPath) };
}

// tfjs routers return null for URLs they do not claim, though IORouter's type omits it.
const fileRouter = ((url: string | string[]): tf.io.IOHandler | null =>
  typeof url === 'string' && url.startsWith(FILE_SCHEME) ? fileSystem(url) : null) as (url: string | string[]) => tf.io.IOHandler;

/**
 * Registers {@link fileSystem} with tfjs for `file://` URLs, for saving and loading, so
 * `model.save('file:///tmp/m')` and `tf.loadLayersModel('file:///tmp/m/model.json')` work in Node
 * without tfjs-node. Idempotent: a direction that already has a `file://` handler (ours from an
 * earlier call, or tfjs-node's) is left alone, so tfjs never finds two handlers.
 *
 * @returns nothing.
 * @throws never.
 * @example
 * ```ts
 * registerFileSystemRouter();
 * await model.save('file:///tmp/my-model');
 * const again = await tf.loadLayersModel('file:///tmp/my-model/model.json');
 * ```
 */
export function registerFileSystemRouter(): void {
  const probe = `${FILE_SCHEME}/`;
  if (tf.io.getSaveHandlers(probe).length === 0) tf.io.registerSaveRouter(fileRouter);
  if (tf.io.getLoadHandlers(probe).length === 0) tf.io.registerLoadRouter(fileRouter);
}
