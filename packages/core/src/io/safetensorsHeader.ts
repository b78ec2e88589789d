// Reads and validates the header of a safetensors file, and decodes single entries. Browser-safe.
// Layout: u64 little-endian header length N | N bytes of UTF-8 JSON | the data buffer.
import { RobustError, assert, describeValue } from '../errors';
import type { RobustErrorCode } from '../errors';
import { SAFETENSORS_DTYPES, isSafetensorsDtype } from './safetensorsDtypes';
import type { SafetensorsData, SafetensorsDtype } from './safetensorsDtypes';

/** Largest header accepted, as in the reference implementation (100 MB). */
export const MAX_HEADER_BYTES = 100_000_000;

/** One validated tensor entry; `begin`/`end` are absolute byte positions in the file. */
export interface HeaderEntry {
  readonly name: string;
  readonly dtype: SafetensorsDtype;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

/** A validated header: entries in file order and the string metadata. */
export interface SafetensorsHeader {
  readonly entries: ReadonlyMap<string, HeaderEntry>;
  readonly metadata: Record<string, string>;
}

const FIX = 'The file is truncated or was not written as safetensors; export or download it again.';

/** The prefix of every message about `source` raised inside `fn`. */
export function fileWhere(fn: string, source: string): string {
  return `'${fn}' cannot read safetensors file '${source}'`;
}

/**
 * Builds a map from file-given names with no prototype: a name such as `constructor` or
 * `toString` is found only when the file has it, and `__proto__` stays an ordinary key.
 */
export function nullProtoFromEntries<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [key, value] of entries) Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Number of elements of `shape` (1 for a scalar). */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function isOffsets(value: unknown): value is [number, number] {
  return Array.isArray(value) && value.length === 2 && isCount(value[0]) && isCount(value[1]) && value[0] <= value[1];
}

/**
 * Validates the framing, JSON and every entry of a safetensors file without decoding tensor data.
 * Throws `CORRUPT_FILE` naming `source` (and the tensor) on any inconsistency.
 */
export function readSafetensorsHeader(input: Uint8Array, source: string, fn: string): SafetensorsHeader {
  assert(input instanceof Uint8Array, 'INVALID_ARGUMENT', () =>
    `Argument 'bytes' passed to '${fn}' must be a Uint8Array holding a safetensors file, got ${describeValue(input)}. ` +
      'Wrap an ArrayBuffer with new Uint8Array(buffer).');
  const bytes = new Uint8Array(input.buffer, input.byteOffset, input.byteLength); // drops Buffer's slice semantics
  const where = fileWhere(fn, source);
  const corrupt: (cond: unknown, message: () => string) => asserts cond = (cond, message) =>
    assert(cond, 'CORRUPT_FILE', () => `${where}: ${message()}`);

  corrupt(bytes.length >= 8, () => `the file has ${bytes.length} bytes, fewer than the 8-byte header length. ${FIX}`);
  const prefix = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const lo = prefix.getUint32(0, true);
  const hi = prefix.getUint32(4, true);
  const headerBytes = hi * 2 ** 32 + lo;
  corrupt(headerBytes <= MAX_HEADER_BYTES, () =>
    `the header length is ${headerBytes} bytes, above the ${MAX_HEADER_BYTES}-byte limit. ${FIX}`);
  corrupt(8 + headerBytes <= bytes.length, () =>
    `the header claims ${headerBytes} bytes but the file has ${bytes.length} (${Math.max(0, bytes.length - 8)} after the 8-byte length). ${FIX}`);

  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes));
    header = JSON.parse(text);
  } catch (cause) {
    throw new RobustError('CORRUPT_FILE', `${where}: the ${headerBytes}-byte header is not valid UTF-8 JSON (${String(cause)}). ${FIX}`, { cause });
  }
  corrupt(isPlainObject(header), () => `the header must be a JSON object, got ${describeValue(header)}. ${FIX}`);

  const dataStart = 8 + headerBytes;
  const dataBytes = bytes.length - dataStart;
  const metadata = readMetadata(header['__metadata__'], where);
  const entries = new Map<string, HeaderEntry>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const at = `tensor '${name}'`;
    corrupt(name !== '__proto__', () =>
      `${at} is not an allowed tensor name (it would replace the prototype of the result map). Rename it when exporting.`);
    corrupt(isPlainObject(raw), () => `${at} must be an object {dtype, shape, data_offsets}, got ${describeValue(raw)}. ${FIX}`);
    const { dtype, shape, data_offsets: offsets } = raw;
    corrupt(isSafetensorsDtype(dtype), () =>
      `${at} has unknown dtype ${describeValue(dtype)}; supported: ${Object.keys(SAFETENSORS_DTYPES).join(', ')}. ` +
        'Convert it (e.g. to F32) before export.');
    corrupt(Array.isArray(shape) && shape.every(isCount), () =>
      `${at} has shape ${describeValue(shape)}, expected an array of non-negative integers. ${FIX}`);
    corrupt(isOffsets(offsets), () =>
      `${at} has data_offsets ${describeValue(offsets)}, expected [begin, end] with 0 ≤ begin ≤ end. ${FIX}`);
    const [begin, end] = offsets;
    corrupt(end <= dataBytes, () =>
      `${at} has data_offsets [${begin},${end}] but the data buffer holds only ${dataBytes} bytes (file truncated?). ${FIX}`);
    const expected = sizeOf(shape) * SAFETENSORS_DTYPES[dtype].itemSize;
    corrupt(end - begin === expected, () =>
      `${at} has data_offsets [${begin},${end}] (${end - begin} bytes) but shape ${describeValue(shape)} of ${dtype} ` +
        `needs ${expected} bytes. ${FIX}`);
    entries.set(name, { name, dtype, shape: [...shape], begin: dataStart + begin, end: dataStart + end });
  }
  checkContiguous([...entries.values()], dataStart, dataBytes, where);
  return { entries, metadata };
}

function readMetadata(raw: unknown, where: string): Record<string, string> {
  if (raw === undefined) return {};
  const ok = isPlainObject(raw) && Object.values(raw).every((v) => typeof v === 'string');
  assert(ok, 'CORRUPT_FILE', () =>
    `${where}: __metadata__ must be an object of string values, got ${describeValue(raw)}. ${FIX}`);
  return nullProtoFromEntries(Object.entries(raw as Record<string, string>));
}

/** The data buffer must be covered exactly: no overlaps, no holes, no trailing bytes. */
function checkContiguous(entries: HeaderEntry[], dataStart: number, dataBytes: number, where: string): void {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let cursor = dataStart;
  let previous: HeaderEntry | undefined;
  for (const entry of sorted) {
    const prev = previous?.name ?? '';
    assert(entry.begin >= cursor, 'CORRUPT_FILE', () =>
      `${where}: tensor '${entry.name}' (bytes [${entry.begin - dataStart},${entry.end - dataStart}]) overlaps tensor '${prev}' ` +
        `(ending at ${cursor - dataStart}). ${FIX}`);
    assert(entry.begin === cursor, 'CORRUPT_FILE', () =>
      `${where}: ${entry.begin - cursor} unused bytes lie before tensor '${entry.name}'` +
        `${previous ? ` (after tensor '${prev}')` : ''}; the data buffer must be contiguous. ${FIX}`);
    cursor = entry.end;
    previous = entry;
  }
  const trailing = dataStart + dataBytes - cursor;
  assert(trailing === 0, 'CORRUPT_FILE', () =>
    `${where}: ${trailing} trailing bytes follow the last tensor; the data buffer is ${dataBytes} bytes ` +
      `but the tensors use ${cursor - dataStart}. ${FIX}`);
}

/** Decodes one validated entry into a fresh typed array, converting to its tfjs dtype. */
export function decodeEntry(input: Uint8Array, entry: HeaderEntry, source: string, fn: string): SafetensorsData {
  const view = new DataView(input.buffer, input.byteOffset + entry.begin, entry.end - entry.begin);
  const fail = (code: RobustErrorCode, detail: string): never => {
    throw new RobustError(code, `${fileWhere(fn, source)}: tensor '${entry.name}' (${entry.dtype}): ${detail}.`);
  };
  return SAFETENSORS_DTYPES[entry.dtype].decode(view, sizeOf(entry.shape), fail);
}
