import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';
import { decodeEntry, nullProtoFromEntries, readSafetensorsHeader } from './safetensorsHeader';
import { SAFETENSORS_DTYPES, SAFETENSORS_DTYPE_OF, toLittleEndianBytes } from './safetensorsDtypes';
import type { SafetensorsData, SafetensorsDtype, SafetensorsTfDtype } from './safetensorsDtypes';

/**
 * A tensor as plain data: what {@link parseSafetensors} returns and {@link encodeSafetensors} accepts.
 * `data` holds `product(shape)` elements, row-major: `Float32Array` for float32, `Int32Array`
 * for int32, `Uint8Array` of 0/1 for bool.
 */
export interface SafetensorsTensor {
  /** The tfjs dtype of `data`. */
  readonly dtype: SafetensorsTfDtype;
  /** The shape; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** The values, row-major. */
  readonly data: SafetensorsData;
  /** The dtype stored in the file before conversion (set by {@link parseSafetensors} only). */
  readonly sourceDtype?: SafetensorsDtype;
}

/** The content of a safetensors file, as {@link parseSafetensors} returns it. */
export interface ParsedSafetensors {
  /** Every tensor, by name. */
  readonly tensors: Record<string, SafetensorsTensor>;
  /** The `__metadata__` string map (`{}` when the file has none). */
  readonly metadata: Record<string, string>;
}

/**
 * Parses a safetensors file into typed arrays without creating tf tensors. Browser-safe.
 *
 * File dtypes become tfjs dtypes: F32, F16, BF16 and F64 → float32 (F64 rounds); I32, I16, I8,
 * U16, U8 and I64 → int32 (I64 must fit in int32); BOOL → bool. Offsets may be unaligned.
 *
 * @param bytes - the whole file.
 * @param source - the file name used in error messages; default `'<memory>'`.
 * @returns the tensors and the `__metadata__` map, both objects without a prototype (keyed by file-given names).
 * @throws {@link RobustError} `CORRUPT_FILE` (naming `source` and the tensor) when the file is
 *   truncated, the header length or JSON is invalid, a tensor is named `__proto__`, a dtype is unknown, a shape is malformed, or
 *   the data offsets are out of bounds, overlap, leave holes or trailing bytes, or disagree with
 *   the shape; `OUT_OF_RANGE` when an I64 value does not fit in int32 or an F64 value overflows
 *   float32; `INVALID_ARGUMENT` when `bytes` is not a `Uint8Array`.
 * @example
 * ```ts
 * const { tensors, metadata } = parseSafetensors(new Uint8Array(await res.arrayBuffer()), 'model.safetensors');
 * console.log(tensors['fc.weight']?.shape, metadata['format']);
 * ```
 */
export function parseSafetensors(bytes: Uint8Array, source = '<memory>'): ParsedSafetensors {
  return parseImpl(bytes, source, 'parseSafetensors');
}

function parseImpl(bytes: Uint8Array, source: string, fn: string): ParsedSafetensors {
  const { entries, metadata } = readSafetensorsHeader(bytes, source, fn);
  const tensors = [...entries.values()].map((e): [string, SafetensorsTensor] => [
    e.name,
    { dtype: SAFETENSORS_DTYPES[e.dtype].tfDtype, shape: e.shape, data: decodeEntry(bytes, e, source, fn), sourceDtype: e.dtype },
  ]);
  return { tensors: nullProtoFromEntries(tensors), metadata };
}

/**
 * Reads a safetensors file into tf tensors (see {@link parseSafetensors} for the dtype rules).
 * The caller owns, and must dispose, every returned tensor.
 *
 * @param bytes - the whole file.
 * @param source - the file name used in error messages; default `'<memory>'`.
 * @returns a map (without a prototype) from tensor name to a new tensor.
 * @throws {@link RobustError} as {@link parseSafetensors}; no tensor is created on failure.
 * @example
 * ```ts
 * const weights = decodeSafetensors(bytes, 'model.safetensors');
 * // ... use weights['fc.weight'] ...
 * tf.dispose(weights);
 * ```
 */
export function decodeSafetensors(bytes: Uint8Array, source = '<memory>'): tf.NamedTensorMap {
  const { tensors } = parseImpl(bytes, source, 'decodeSafetensors');
  return tf.tidy(() =>
    nullProtoFromEntries(Object.entries(tensors).map(([name, t]) => [name, tf.tensor(t.data, [...t.shape], t.dtype)])));
}

/** One tensor a model expects, e.g. an entry of `tf.io.WeightsManifestEntry[]`. */
export interface ExpectedWeight {
  /** The tensor's name in the file. */
  readonly name: string;
  /** The shape it must have. */
  readonly shape: readonly number[];
  /** The tfjs dtype it must decode to (float32, int32 or bool); unchecked when omitted. */
  readonly dtype?: tf.DataType;
}

/**
 * Reads exactly the tensors a model expects from a safetensors file, checking names, shapes and
 * dtypes before any tensor is created. Use it to import weights trained elsewhere (e.g. PyTorch).
 * Tensors in the file that are not expected are ignored.
 *
 * @param bytes - the whole file.
 * @param expected - the tensors to read, each `{name, shape, dtype?}`.
 * @param source - the file name used in error messages; default `'<memory>'`.
 * @returns a map (without a prototype) with one new tensor per expected name; the caller disposes them.
 * @throws {@link RobustError} `NOT_FOUND` when an expected name is missing from the file (the
 *   message lists the names present); `SHAPE_MISMATCH` when a shape or dtype differs (naming the
 *   file and the tensor); `INVALID_ARGUMENT` when `expected` is malformed or repeats a name;
 *   and the errors of {@link parseSafetensors}.
 * @example
 * ```ts
 * const weights = loadWeightsFromSafetensors(bytes, [
 *   { name: 'dense/kernel', shape: [784, 10], dtype: 'float32' },
 *   { name: 'dense/bias', shape: [10], dtype: 'float32' },
 * ], 'mnist.safetensors');
 * model.setWeights([weights['dense/kernel']!, weights['dense/bias']!]);
 * tf.dispose(weights);
 * ```
 */
export function loadWeightsFromSafetensors(
  bytes: Uint8Array,
  expected: readonly ExpectedWeight[],
  source = '<memory>',
): tf.NamedTensorMap {
  const fn = 'loadWeightsFromSafetensors';
  assert(Array.isArray(expected), 'INVALID_ARGUMENT', () =>
    `Argument 'expected' passed to '${fn}' must be an array of {name, shape, dtype?}, got ${describeValue(expected)}.`);
  const seen = new Set<string>();
  for (const [i, w] of expected.entries()) {
    const ok = typeof w === 'object' && w !== null && typeof w.name === 'string' && Array.isArray(w.shape);
    assert(ok, 'INVALID_ARGUMENT', () =>
      `Argument 'expected' passed to '${fn}' must hold {name, shape, dtype?} objects, got ${describeValue(w)} at index ${i}.`);
    assert(!seen.has(w.name), 'INVALID_ARGUMENT', () =>
      `Argument 'expected' passed to '${fn}' names tensor '${w.name}' twice; list each tensor once.`);
    seen.add(w.name);
  }
  const { entries } = readSafetensorsHeader(bytes, source, fn);
  const where = `'${fn}' cannot use safetensors file '${source}'`;
  const picked = expected.map((w) => {
    const entry = entries.get(w.name);
    assert(entry !== undefined, 'NOT_FOUND', () =>
      `${where}: it has no tensor '${w.name}'. Tensors in the file: ${describeValue([...entries.keys()])}. ` +
        'Rename the tensors when exporting, or map the names before calling.');
    assert(sameShape(entry.shape, w.shape), 'SHAPE_MISMATCH', () =>
      `${where}: tensor '${w.name}' has shape ${describeValue(entry.shape)} but the model expects ${describeValue(w.shape)}.` +
        (isTransposed(entry.shape, w.shape)
          ? ' It looks transposed: PyTorch nn.Linear stores [out,in] while tfjs dense kernels are [in,out]; transpose it when exporting.'
          : ' Export the weights of the same architecture.'));
    const dtype = SAFETENSORS_DTYPES[entry.dtype].tfDtype;
    assert(w.dtype === undefined || w.dtype === dtype, 'SHAPE_MISMATCH', () =>
      `${where}: tensor '${w.name}' is ${entry.dtype} (read as ${dtype}) but the model expects ${w.dtype}. Cast it when exporting.`);
    return { entry, dtype, data: decodeEntry(bytes, entry, source, fn) };
  });
  return tf.tidy(() => nullProtoFromEntries(picked.map(({ entry, dtype, data }) => [entry.name, tf.tensor(data, entry.shape, dtype)])));
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function isTransposed(a: readonly number[], b: readonly number[]): boolean {
  return a.length === 2 && b.length === 2 && a[0] === b[1] && a[1] === b[0] && a[0] !== a[1];
}

/** What {@link encodeSafetensors} accepts: tf tensors (a `tf.NamedTensorMap`) and/or plain {@link SafetensorsTensor}s, by name. */
export type SafetensorsInput = Readonly<Record<string, tf.Tensor | SafetensorsTensor>>;

/**
 * Writes tensors as a safetensors file, reading tensor values with `await tensor.data()`.
 * float32 is written as F32, int32 as I32, bool as BOOL (one byte each). Tensors are sorted by
 * name with contiguous offsets, and the header is padded with spaces to an 8-byte boundary.
 * The input tensors are not disposed.
 *
 * @param tensors - the tensors by name (names must be non-empty and not `__metadata__`).
 * @param metadata - string key/value pairs stored as `__metadata__`; default `{}` (omitted).
 * @returns the file bytes.
 * @throws {@link RobustError} `INVALID_ARGUMENT` for a disposed tensor, an unsupported dtype
 *   (complex64, string), plain data whose length or array type does not match its shape and dtype,
 *   bool data other than 0/1, a bad name, or non-string metadata.
 * @example
 * ```ts
 * const bytes = await encodeSafetensors({ w: tf.ones([2, 3]), step: tf.scalar(7, 'int32') }, { format: 'tfjs' });
 * ```
 */
export async function encodeSafetensors(tensors: SafetensorsInput, metadata: Record<string, string> = {}): Promise<Uint8Array> {
  const fn = 'encodeSafetensors';
  checkTensorMap(tensors, fn);
  const plain: Record<string, SafetensorsTensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    Object.defineProperty(plain, name, { value: t instanceof tf.Tensor ? await readTensor(t, name, fn) : t, enumerable: true });
  }
  return encodePlain(plain, metadata, fn);
}

/**
 * Synchronous twin of {@link encodeSafetensors}: tf tensors are read with `dataSync()`, which
 * blocks on GPU backends; prefer the async form there.
 *
 * @param tensors - the tensors by name (names must be non-empty and not `__metadata__`).
 * @param metadata - string key/value pairs stored as `__metadata__`; default `{}` (omitted).
 * @returns the file bytes.
 * @throws {@link RobustError} as {@link encodeSafetensors}.
 * @example
 * ```ts
 * const bytes = encodeSafetensorsSync({ w: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) } });
 * ```
 */
export function encodeSafetensorsSync(tensors: SafetensorsInput, metadata: Record<string, string> = {}): Uint8Array {
  const fn = 'encodeSafetensorsSync';
  checkTensorMap(tensors, fn);
  const plain = Object.fromEntries(Object.entries(tensors).map(([name, t]) => {
    if (!(t instanceof tf.Tensor)) return [name, t];
    checkTensor(t, name, fn);
    return [name, { dtype: t.dtype, shape: t.shape, data: t.dataSync() }];
  }));
  return encodePlain(plain as Record<string, SafetensorsTensor>, metadata, fn);
}

function checkTensorMap(tensors: unknown, fn: string): void {
  assert(typeof tensors === 'object' && tensors !== null && !Array.isArray(tensors), 'INVALID_ARGUMENT', () =>
    `Argument 'tensors' passed to '${fn}' must be an object mapping names to tensors, got ${describeValue(tensors)}.`);
}

function checkTensor(t: tf.Tensor, name: string, fn: string): asserts t is tf.Tensor & { dtype: SafetensorsTfDtype } {
  assert(!t.isDisposed, 'INVALID_ARGUMENT', () => `Tensor '${name}' passed to '${fn}' is disposed; save it before disposing.`);
  assert(Object.prototype.hasOwnProperty.call(ARRAY_OF, t.dtype), 'INVALID_ARGUMENT', () =>
    `Tensor '${name}' passed to '${fn}' has dtype ${t.dtype}; only float32, int32 and bool can be written. Cast it first.`);
}

async function readTensor(t: tf.Tensor, name: string, fn: string): Promise<SafetensorsTensor> {
  checkTensor(t, name, fn);
  return { dtype: t.dtype, shape: t.shape, data: (await t.data()) as SafetensorsData };
}

const ARRAY_OF = { float32: Float32Array, int32: Int32Array, bool: Uint8Array } as const;

function encodePlain(tensors: Record<string, SafetensorsTensor>, metadata: Record<string, string>, fn: string): Uint8Array {
  assert(typeof metadata === 'object' && metadata !== null && Object.values(metadata).every((v) => typeof v === 'string'),
    'INVALID_ARGUMENT', () => `Argument 'metadata' passed to '${fn}' must map strings to strings, got ${describeValue(metadata)}.`);
  const names = Object.keys(tensors).sort();
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    const t = tensors[name] as SafetensorsTensor;
    checkPlain(t, name, fn);
    const bytes = toLittleEndianBytes(t.data);
    Object.defineProperty(header, name, {
      value: { dtype: SAFETENSORS_DTYPE_OF[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] },
      enumerable: true,
    });
    parts.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil(json.length / 8) * 8; // 8 + headerBytes stays 8-byte aligned
  const out = new Uint8Array(8 + headerBytes + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerBytes, true);
  view.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function checkPlain(t: SafetensorsTensor, name: string, fn: string): void {
  const where = `Tensor '${name}' passed to '${fn}'`;
  assert(name.length > 0 && name !== '__metadata__', 'INVALID_ARGUMENT', () =>
    `${where} has a reserved or empty name; rename it.`);
  assert(typeof t === 'object' && t !== null && Object.prototype.hasOwnProperty.call(ARRAY_OF, t.dtype), 'INVALID_ARGUMENT', () =>
    `${where} must be a tf.Tensor or {dtype: 'float32'|'int32'|'bool', shape, data}, got ${describeValue(t)}.`);
  assert(Array.isArray(t.shape) && t.shape.every((d) => Number.isSafeInteger(d) && d >= 0), 'INVALID_ARGUMENT', () =>
    `${where} has shape ${describeValue(t.shape)}, expected an array of non-negative integers.`);
  const Expected = ARRAY_OF[t.dtype];
  const size = t.shape.reduce((a, b) => a * b, 1);
  assert(t.data instanceof Expected && t.data.length === size, 'INVALID_ARGUMENT', () =>
    `${where} must hold a ${Expected.name} of ${size} elements for shape ${describeValue(t.shape)} and dtype ${t.dtype}, ` +
      `got ${describeValue(t.data)} of length ${(t.data as { length?: unknown } | undefined)?.length}.`);
  assert(t.dtype !== 'bool' || t.data.every((b) => b === 0 || b === 1), 'INVALID_ARGUMENT', () =>
    `${where} is bool but holds values other than 0 and 1.`);
}
