// The dtype table of the safetensors reader and writer: item sizes, the tfjs dtype each file
// dtype becomes, and the little-endian decoders. Browser-safe.
import type { RobustErrorCode } from '../errors';

/** Dtypes the safetensors reader accepts, as the file format spells them. */
export type SafetensorsDtype = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U16' | 'U8' | 'BOOL';

/** The tfjs dtypes a safetensors tensor is read into or written from. */
export type SafetensorsTfDtype = 'float32' | 'int32' | 'bool';

/** Typed-array storage of a decoded tensor: `Float32Array` (float32), `Int32Array` (int32), `Uint8Array` (bool). */
export type SafetensorsData = Float32Array | Int32Array | Uint8Array;

/** Reports a bad element value with a code and a reason; never returns. */
type Fail = (code: RobustErrorCode, detail: string) => never;

interface DtypeCodec {
  /** Bytes per element in the file. */
  readonly itemSize: number;
  /** The tfjs dtype the values are converted to. */
  readonly tfDtype: SafetensorsTfDtype;
  /** Reads `count` little-endian elements from `view` (any alignment) into a fresh array. */
  readonly decode: (view: DataView, count: number, fail: Fail) => SafetensorsData;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Copies the bytes of `view` into a fresh (hence aligned) buffer. */
function copyOf(view: DataView): ArrayBuffer {
  const out = new Uint8Array(view.byteLength);
  out.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return out.buffer;
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // subnormal or ±0
  if (exponent === 31) return fraction === 0 ? sign * Infinity : NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function widenToInt32(read: (view: DataView, offset: number) => number, itemSize: number) {
  return (view: DataView, count: number): Int32Array => {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = read(view, i * itemSize);
    return out;
  };
}

export const SAFETENSORS_DTYPES: Readonly<Record<SafetensorsDtype, DtypeCodec>> = {
  F32: {
    itemSize: 4,
    tfDtype: 'float32',
    decode: (view, count) => {
      if (LITTLE_ENDIAN_HOST) return new Float32Array(copyOf(view));
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    },
  },
  F64: {
    itemSize: 8,
    tfDtype: 'float32',
    decode: (view, count, fail) => {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const v = view.getFloat64(i * 8, true);
        out[i] = v;
        if (Number.isFinite(v) && !Number.isFinite(out[i])) {
          fail('OUT_OF_RANGE', `element ${i} is ${v}, which overflows float32 (max ≈ 3.4e38)`);
        }
      }
      return out;
    },
  },
  F16: {
    itemSize: 2,
    tfDtype: 'float32',
    decode: (view, count) => {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    },
  },
  BF16: {
    itemSize: 2,
    tfDtype: 'float32',
    decode: (view, count) => {
      const bits = new Uint32Array(count); // bf16 is the top half of a float32
      for (let i = 0; i < count; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      return new Float32Array(bits.buffer);
    },
  },
  I64: {
    itemSize: 8,
    tfDtype: 'int32',
    decode: (view, count, fail) => {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const lo = view.getUint32(i * 8, true);
        const hi = view.getInt32(i * 8 + 4, true);
        const fits = (hi === 0 && lo <= 0x7fffffff) || (hi === -1 && lo >= 0x80000000);
        if (!fits) {
          fail('OUT_OF_RANGE', `element ${i} is ${view.getBigInt64(i * 8, true)}, outside the int32 range [-2147483648, 2147483647] of tfjs`);
        }
        out[i] = lo | 0;
      }
      return out;
    },
  },
  I32: {
    itemSize: 4,
    tfDtype: 'int32',
    decode: (view, count) => {
      if (LITTLE_ENDIAN_HOST) return new Int32Array(copyOf(view));
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    },
  },
  I16: { itemSize: 2, tfDtype: 'int32', decode: widenToInt32((v, o) => v.getInt16(o, true), 2) },
  I8: { itemSize: 1, tfDtype: 'int32', decode: widenToInt32((v, o) => v.getInt8(o), 1) },
  U16: { itemSize: 2, tfDtype: 'int32', decode: widenToInt32((v, o) => v.getUint16(o, true), 2) },
  U8: { itemSize: 1, tfDtype: 'int32', decode: widenToInt32((v, o) => v.getUint8(o), 1) },
  BOOL: {
    itemSize: 1,
    tfDtype: 'bool',
    decode: (view, count, fail) => {
      const out = new Uint8Array(copyOf(view));
      for (let i = 0; i < count; i++) {
        const b = out[i] as number;
        if (b > 1) fail('CORRUPT_FILE', `element ${i} is the byte ${b}, but BOOL bytes must be 0 or 1`);
      }
      return out;
    },
  },
};

/** The file dtype each tfjs dtype is written as. */
export const SAFETENSORS_DTYPE_OF: Readonly<Record<SafetensorsTfDtype, SafetensorsDtype>> = {
  float32: 'F32',
  int32: 'I32',
  bool: 'BOOL',
};

/** Whether `value` names a supported file dtype (own keys only, so `constructor` is not one). */
export function isSafetensorsDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(SAFETENSORS_DTYPES, value);
}

/** The bytes of `data` in little-endian order: a view on little-endian hosts, a swapped copy otherwise. */
export function toLittleEndianBytes(data: SafetensorsData): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) view.setFloat32(i * 4, data[i] as number, true);
    else view.setInt32(i * 4, data[i] as number, true);
  }
  return out;
}
