import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, expectNoLeakAsync, expectRobustError as thrown } from '@robustjs/test-utils';
import type { RobustErrorCode } from '../errors';
import {
  decodeSafetensors,
  encodeSafetensors,
  encodeSafetensorsSync,
  loadWeightsFromSafetensors,
  parseSafetensors,
} from './safetensors';

const FILE = 'weights.safetensors';

/** Builds a file from a hand-written header (object or raw text) and raw data bytes. */
function build(header: object | string, data: number[] = [], claimedLength?: number): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, claimedLength ?? json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}


function expectRobustError(fn: () => unknown, code: RobustErrorCode, ...parts: string[]): void {
  const e = thrown(fn);
  expect(e.code).toBe(code);
  for (const part of parts) expect(e.message).toContain(part);
}

/** Parses with both entry points and checks both fail alike and nothing leaks. */
function expectCorrupt(bytes: Uint8Array, ...parts: string[]): void {
  expectRobustError(() => parseSafetensors(bytes, FILE), 'CORRUPT_FILE', FILE, ...parts);
  expectNoLeak(() => expectRobustError(() => decodeSafetensors(bytes, FILE), 'CORRUPT_FILE', FILE, ...parts));
}

const f32 = (xs: number[]): number[] => [...new Uint8Array(new Float32Array(xs).buffer)];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips float32, int32 and bool tensors of several shapes, with metadata', async () => {
    await expectNoLeakAsync(async () => {
      const input = {
        'layer.weight': tf.tensor2d([[1.5, -2.25, 3], [4, 5e-8, -6e30]]),
        bias: tf.tensor1d([0.1, 0.2, 0.3]),
        step: tf.scalar(-7, 'int32'),
        ids: tf.tensor3d([1, -2, 2147483647, -2147483648], [1, 2, 2], 'int32'),
        mask: tf.tensor1d([true, false, true], 'bool'),
        empty: tf.zeros([0, 3]),
      };
      const bytes = await encodeSafetensors(input, { format: 'tfjs', note: 'é ✓' });
      const { tensors, metadata } = parseSafetensors(bytes, FILE);
      expect(metadata).toEqual({ format: 'tfjs', note: 'é ✓' });
      const decoded = decodeSafetensors(bytes, FILE);
      expect(Object.keys(decoded).sort()).toEqual(Object.keys(input).sort());
      for (const [name, t] of Object.entries(input)) {
        const d = decoded[name] as tf.Tensor;
        expect(d.dtype, name).toBe(t.dtype);
        expect(d.shape, name).toEqual(t.shape);
        expect(d.dataSync(), name).toEqual(t.dataSync());
        expect(tensors[name]?.sourceDtype).toBe({ float32: 'F32', int32: 'I32', bool: 'BOOL' }[t.dtype as 'float32']);
      }
      expect(encodeSafetensorsSync(input, { format: 'tfjs', note: 'é ✓' })).toEqual(bytes);
      tf.dispose(decoded);
      tf.dispose(input);
    });
  });

  it('writes a space-padded, 8-byte-aligned header with names sorted and offsets contiguous', () => {
    const bytes = encodeSafetensorsSync({
      b: { dtype: 'bool', shape: [3], data: new Uint8Array([1, 0, 1]) },
      a: { dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) },
      c: { dtype: 'int32', shape: [], data: new Int32Array([9]) },
    });
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().length).toBeLessThanOrEqual(n);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const header = JSON.parse(text) as Record<string, { dtype: string; data_offsets: number[] }>;
    expect(Object.keys(header)).toEqual(['a', 'b', 'c']);
    expect(header['a']).toEqual({ dtype: 'F32', shape: [2], data_offsets: [0, 8] });
    expect(header['b']).toEqual({ dtype: 'BOOL', shape: [3], data_offsets: [8, 11] });
    expect(header['c']).toEqual({ dtype: 'I32', shape: [], data_offsets: [11, 15] });
    expect(bytes.length).toBe(8 + n + 15);
    expect(parseSafetensors(bytes).tensors['c']?.data).toEqual(new Int32Array([9])); // unaligned I32 at offset 11
  });

  it('rejects a disposed tensor, an unsupported dtype and data that does not fit the shape', async () => {
    const t = tf.ones([2]);
    t.dispose();
    await expect(encodeSafetensors({ t })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining("'t'") });
    expectNoLeak(() => {
      const c = tf.complex([1], [2]);
      expectRobustError(() => encodeSafetensorsSync({ c }), 'INVALID_ARGUMENT', "'c'", 'complex64');
      c.dispose();
    });
    expectRobustError(() => encodeSafetensorsSync({ x: { dtype: 'float32', shape: [3], data: new Float32Array(2) } }),
      'INVALID_ARGUMENT', "'x'", '[3]');
    expectRobustError(() => encodeSafetensorsSync({ x: { dtype: 'int32', shape: [2], data: new Float32Array(2) } }),
      'INVALID_ARGUMENT', 'Int32Array');
    expectRobustError(() => encodeSafetensorsSync({ m: { dtype: 'bool', shape: [1], data: new Uint8Array([2]) } }), 'INVALID_ARGUMENT', "'m'");
  });
});

describe('parseSafetensors on hand-written files', () => {
  it('decodes F16, BF16, F64, I64, small integers and BOOL to exact values, at unaligned offsets', () => {
    const header = {
      __metadata__: { source: 'hand' },
      half: { dtype: 'F16', shape: [2, 3], data_offsets: [0, 12] },
      long: { dtype: 'I64', shape: [4], data_offsets: [12, 44] },
      flag: { dtype: 'BOOL', shape: [3], data_offsets: [44, 47] },
      brain: { dtype: 'BF16', shape: [2], data_offsets: [47, 51] },
      dbl: { dtype: 'F64', shape: [1], data_offsets: [51, 59] },
      i8: { dtype: 'I8', shape: [2], data_offsets: [59, 61] },
      u8: { dtype: 'U8', shape: [2], data_offsets: [61, 63] },
      i16: { dtype: 'I16', shape: [1], data_offsets: [63, 65] },
      u16: { dtype: 'U16', shape: [1], data_offsets: [65, 67] },
    };
    const data = [
      0x00, 0x3c, 0x00, 0xc0, 0x00, 0x38, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c, // F16 1, -2, 0.5, 65504, 2^-24, +Inf
      5, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // I64 5, -1
      0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0, 0x80, 0xff, 0xff, 0xff, 0xff, // I64 2^31-1, -2^31
      1, 0, 1, // BOOL
      0x80, 0x3f, 0x40, 0xc0, // BF16 1, -3
      0, 0, 0, 0, 0, 0, 0xf8, 0x3f, // F64 1.5
      0xff, 0x80, 0xff, 0x80, 0xfe, 0xff, 0xfe, 0xff, // I8 -1,-128; U8 255,128; I16 -2; U16 65534
    ];
    const { tensors, metadata } = parseSafetensors(build(header, data), FILE);
    expect(metadata).toEqual({ source: 'hand' });
    expect(tensors['half']).toEqual({ dtype: 'float32', shape: [2, 3], sourceDtype: 'F16', data: new Float32Array([1, -2, 0.5, 65504, 2 ** -24, Infinity]) });
    expect(tensors['long']).toEqual({ dtype: 'int32', shape: [4], sourceDtype: 'I64', data: new Int32Array([5, -1, 2147483647, -2147483648]) });
    expect(tensors['flag']?.data).toEqual(new Uint8Array([1, 0, 1]));
    expect(tensors['flag']?.dtype).toBe('bool');
    expect(tensors['brain']?.data).toEqual(new Float32Array([1, -3]));
    expect(tensors['dbl']?.data).toEqual(new Float32Array([1.5]));
    expect(tensors['i8']?.data).toEqual(new Int32Array([-1, -128]));
    expect(tensors['u8']?.data).toEqual(new Int32Array([255, 128]));
    expect(tensors['i16']?.data).toEqual(new Int32Array([-2]));
    expect(tensors['u16']?.data).toEqual(new Int32Array([65534]));
    const shifted = new Uint8Array(build(header, data).length + 3); // input not at byteOffset 0
    shifted.set(build(header, data), 3);
    expect(parseSafetensors(shifted.subarray(3), FILE).tensors['long']?.data).toEqual(new Int32Array([5, -1, 2147483647, -2147483648]));
    expectNoLeak(() => {
      const decoded = decodeSafetensors(Buffer.from(build(header, data)), FILE);
      expect(decoded['half']?.dataSync()).toEqual(new Float32Array([1, -2, 0.5, 65504, 2 ** -24, Infinity]));
      return decoded;
    });
  });

  it('rejects an I64 value outside int32, naming the file and the tensor', () => {
    const bytes = build({ big: { dtype: 'I64', shape: [1], data_offsets: [0, 8] } }, [0, 0, 0, 0x80, 0, 0, 0, 0]);
    expectRobustError(() => parseSafetensors(bytes, FILE), 'OUT_OF_RANGE', FILE, "'big'", '2147483648');
  });

  it('reads an empty file map', () => {
    expect(parseSafetensors(build({}), FILE)).toEqual({ tensors: {}, metadata: {} });
  });
});

describe('parseSafetensors on corrupt files', () => {
  const good = { w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } };

  it('rejects a file shorter than 8 bytes', () => expectCorrupt(new Uint8Array([1, 2, 3]), '3 bytes'));

  it('rejects a header claiming more bytes than the file has', () => {
    expectCorrupt(build(good, f32([1, 2]), 5000), 'header claims 5000 bytes but the file has');
  });

  it('rejects an absurd header length', () => {
    const bytes = build(good, f32([1, 2]));
    new DataView(bytes.buffer).setUint32(4, 1, true); // 2^32 + N
    expectCorrupt(bytes, 'limit');
  });

  it('rejects corrupted JSON', () => expectCorrupt(build('{"w": {"dtype": "F32", "shape": [2]', f32([1, 2])), 'JSON'));

  it('rejects a header that is not an object', () => expectCorrupt(build('[1,2]'), 'JSON object'));

  it('rejects data offsets past the end of the buffer', () => {
    expectCorrupt(build({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, f32([1, 2])), "'w'", 'holds only 8 bytes');
  });

  it('rejects a byte length that does not match the shape', () => {
    expectCorrupt(build({ w: { dtype: 'F32', shape: [3], data_offsets: [0, 8] } }, f32([1, 2])), "'w'", 'needs 12 bytes');
  });

  it('rejects an unknown dtype', () => {
    expectCorrupt(build({ w: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, [1, 2]), "'w'", 'F8_E4M3', 'F16');
    expectCorrupt(build({ w: { dtype: 'constructor', shape: [2], data_offsets: [0, 2] } }, [1, 2]), "'w'", 'constructor');
  });

  it('rejects malformed shapes and offsets', () => {
    expectCorrupt(build({ w: { dtype: 'U8', shape: [-1], data_offsets: [0, 1] } }, [1]), "'w'", 'shape');
    expectCorrupt(build({ w: { dtype: 'U8', shape: [1.5], data_offsets: [0, 1] } }, [1]), "'w'", 'shape');
    expectCorrupt(build({ w: { dtype: 'U8', shape: [1], data_offsets: [1, 0] } }, [1]), "'w'", 'data_offsets');
    expectCorrupt(build({ w: { dtype: 'U8', shape: [1] } }, [1]), "'w'", 'data_offsets');
    expectCorrupt(build({ w: 3 }), "'w'");
  });

  it('rejects overlapping tensors, holes and trailing bytes', () => {
    const a = { dtype: 'U8', shape: [2], data_offsets: [0, 2] };
    expectCorrupt(build({ a, b: { dtype: 'U8', shape: [2], data_offsets: [1, 3] } }, [1, 2, 3]), 'overlaps', "'a'", "'b'");
    expectCorrupt(build({ a, b: { dtype: 'U8', shape: [1], data_offsets: [3, 4] } }, [1, 2, 3, 4]), 'unused bytes', "'b'");
    expectCorrupt(build({ a }, [1, 2, 3]), '1 trailing bytes');
  });

  it('rejects non-string metadata', () => expectCorrupt(build({ __metadata__: { epoch: 3 } }), '__metadata__'));
});

describe('loadWeightsFromSafetensors', () => {
  const file = encodeSafetensorsSync({
    'dense/kernel': { dtype: 'float32', shape: [3, 2], data: new Float32Array([1, 2, 3, 4, 5, 6]) },
    'dense/bias': { dtype: 'float32', shape: [2], data: new Float32Array([0.5, -0.5]) },
    extra: { dtype: 'int32', shape: [1], data: new Int32Array([1]) },
  });

  it('reads exactly the expected tensors', () => {
    expectNoLeak(() => {
      const w = loadWeightsFromSafetensors(file, [
        { name: 'dense/kernel', shape: [3, 2], dtype: 'float32' },
        { name: 'dense/bias', shape: [2] },
      ], FILE);
      expect(Object.keys(w)).toEqual(['dense/kernel', 'dense/bias']);
      expect(w['dense/kernel']?.arraySync()).toEqual([[1, 2], [3, 4], [5, 6]]);
      return w;
    });
  });

  it('fails with NOT_FOUND, SHAPE_MISMATCH or a dtype mismatch before creating any tensor', () => {
    expectNoLeak(() => {
      expectRobustError(() => loadWeightsFromSafetensors(file, [{ name: 'dense/bias', shape: [2] }, { name: 'conv/kernel', shape: [1] }], FILE),
        'NOT_FOUND', FILE, "'conv/kernel'", 'dense/bias');
      expectRobustError(() => loadWeightsFromSafetensors(file, [{ name: 'dense/kernel', shape: [2, 3] }], FILE),
        'SHAPE_MISMATCH', FILE, "'dense/kernel'", '[3,2]', 'transposed');
      expectRobustError(() => loadWeightsFromSafetensors(file, [{ name: 'extra', shape: [1], dtype: 'float32' }], FILE),
        'SHAPE_MISMATCH', FILE, "'extra'", 'int32');
      expectRobustError(() => loadWeightsFromSafetensors(file, [{ name: 'extra', shape: [1] }, { name: 'extra', shape: [1] }], FILE),
        'INVALID_ARGUMENT', 'twice');
    });
  });
});

describe('weight names that are Object.prototype keys', () => {
  const proto = build({ ['__proto__']: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([1]));

  it('rejects a tensor named __proto__ with CORRUPT_FILE instead of replacing the prototype of the result', () => {
    expect(new TextDecoder().decode(proto)).toContain('"__proto__"');
    expectCorrupt(proto, "'__proto__'");
    expectNoLeak(() => expectRobustError(() => loadWeightsFromSafetensors(proto, [{ name: '__proto__', shape: [1] }], FILE),
      'CORRUPT_FILE', FILE, "'__proto__'"));
  });

  it('returns maps without a prototype, so a name such as constructor is only found when the file has it', () => {
    const bytes = build({ constructor: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, f32([2]));
    const { tensors } = parseSafetensors(bytes, FILE);
    expect(Object.getPrototypeOf(tensors)).toBe(null);
    expect(tensors['constructor']?.data).toEqual(new Float32Array([2]));
    expect(tensors['toString']).toBeUndefined();
    expectNoLeak(() => {
      const decoded = decodeSafetensors(bytes, FILE);
      expect(Object.getPrototypeOf(decoded)).toBe(null);
      expect(decoded['hasOwnProperty']).toBeUndefined();
      const picked = loadWeightsFromSafetensors(bytes, [{ name: 'constructor', shape: [1] }], FILE);
      expect(Object.getPrototypeOf(picked)).toBe(null);
      expect(picked['constructor']?.dataSync()).toEqual(new Float32Array([2]));
      tf.dispose([decoded, picked]);
    });
  });
});
