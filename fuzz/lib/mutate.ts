// Mutation operators on bytes and on JSON values, all driven by an Rng (so reproducible).
import type { Rng } from './rng';

/** Values that break careless readers: huge, negative, fractional, wrong types, prototype keys. */
const HOSTILE_NUMBERS = [
  0,
  -1,
  1,
  2 ** 31,
  2 ** 31 - 1,
  2 ** 32,
  2 ** 32 - 1,
  2 ** 53,
  2 ** 53 + 2,
  -(2 ** 53),
  1e308,
  -1e308,
  0.5,
  1e-320,
  65535,
  65536,
  4000,
  1024,
  1e9,
  Number.MAX_SAFE_INTEGER,
];
const HOSTILE_STRINGS = [
  '',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '../../../../etc/passwd',
  '/etc/passwd',
  '..',
  '.',
  'a/../../b',
  '\u0000',
  '%ff',
  'x" onerror="alert(1)',
  '<script>FUZZXSS</script>',
  '"><img src=x onerror=FUZZXSS>',
  'javascript:alert(1)',
  'data:text/html,<script>FUZZXSS</script>',
  'NaN',
  'Infinity',
  '1e999',
  'float32',
  'int32',
  'uint8',
  'bool',
  'string',
  'complex64',
  'F16',
  'U8',
  'I64',
  'BF16',
  'F64',
  'x'.repeat(300),
];

/** A random hostile JSON value (possibly deeply nested). */
export function hostileValue(rng: Rng, depth = 0): unknown {
  const k = rng.int(depth > 2 ? 5 : 8);
  switch (k) {
    case 0:
      return rng.pick(HOSTILE_NUMBERS) * (rng.chance(0.2) ? -1 : 1);
    case 1:
      return rng.pick(HOSTILE_STRINGS);
    case 2:
      return null;
    case 3:
      return rng.chance(0.5);
    case 4:
      return rng.int(20);
    case 5:
      return Array.from({ length: rng.int(4) }, () => hostileValue(rng, depth + 1));
    case 6: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(4); i > 0; i--)
        o[rng.pick(HOSTILE_STRINGS)] = hostileValue(rng, depth + 1);
      return o;
    }
    default: {
      // deep nesting, the describeValue stack overflow of issue 24 (only at the top, never twice)
      if (depth > 0) return rng.int(3);
      let v: unknown = rng.int(3);
      for (let i = 200 + rng.int(2500); i > 0; i--) v = rng.chance(0.5) ? [v] : { a: v };
      return v;
    }
  }
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path (list of keys) to a value inside `v`, the root included, at most `limit`, 48 deep. */
function paths(v: Json, limit = 4000): (string | number)[][] {
  const out: (string | number)[][] = [];
  const walk = (x: Json, p: (string | number)[]): void => {
    if (out.length >= limit || p.length > 48) return;
    out.push(p);
    if (Array.isArray(x)) x.forEach((y, i) => walk(y, [...p, i]));
    else if (x !== null && typeof x === 'object')
      for (const [k, y] of Object.entries(x)) walk(y, [...p, k]);
  };
  walk(v, []);
  return out;
}

/** Applies 1–3 structural edits to a JSON value (replace, delete, add key, duplicate item). */
export function mutateJson(value: unknown, rng: Rng): unknown {
  try {
    return mutateJsonOnce(value, rng);
  } catch (e) {
    if (e instanceof RangeError) return value; // nesting too deep to clone: keep the input
    throw e;
  }
}

function mutateJsonOnce(value: unknown, rng: Rng): unknown {
  let root = structuredClone(value) as Json;
  for (let n = 1 + rng.int(3); n > 0; n--) {
    const all = paths(root);
    const p = rng.pick(all);
    if (p.length === 0) {
      root = rng.chance(0.7) ? root : (hostileValue(rng) as Json);
      continue;
    }
    let parent = root as Record<string | number, Json>;
    for (const k of p.slice(0, -1)) parent = (parent as Record<string | number, Json>)[k] as never;
    const key = p[p.length - 1] as string | number;
    const op = rng.int(6);
    if (op === 0 && !Array.isArray(parent)) delete parent[key];
    else if (op === 1 && Array.isArray(parent)) (parent as Json[]).splice(key as number, 1);
    else if (op === 2 && Array.isArray(parent))
      (parent as Json[]).push(structuredClone(parent[key] as Json));
    else if (op === 3 && !Array.isArray(parent))
      parent[rng.pick(['__proto__', 'constructor', 'extra', 'x'])] = hostileValue(rng) as Json;
    else if (op === 4 && typeof parent[key] === 'number')
      parent[key] = (parent[key] as number) * rng.pick([-1, 0, 2, 1000, 2 ** 20, 0.5]);
    else parent[key] = hostileValue(rng) as Json;
  }
  return root;
}

/** Overwrites `width` bytes at `at` with a big-endian or little-endian integer. */
function writeInt(b: Uint8Array, at: number, width: number, value: number, little: boolean): void {
  let v = BigInt.asUintN(width * 8, BigInt(Math.trunc(value)));
  for (let i = 0; i < width && at + i < b.length; i++) {
    const j = little ? i : width - 1 - i;
    if (at + j < b.length) b[at + j] = Number(v & 0xffn);
    v >>= 8n;
  }
}

const BIG = [
  0,
  1,
  0x7f,
  0xff,
  0x7fff,
  0xffff,
  4000,
  0x7fffffff,
  0xffffffff,
  2 ** 31,
  2 ** 40,
  2 ** 53,
];

/** One byte mutation: bit flip, set/insert/delete, integer edit, truncation, splice, block copy. */
function mutateOnce(
  b: Uint8Array,
  rng: Rng,
  donors: readonly Uint8Array[],
  lengthFields: readonly number[],
): Uint8Array {
  const at = b.length === 0 ? 0 : rng.int(b.length);
  switch (rng.int(10)) {
    case 0: {
      // bit flips
      const c = b.slice();
      for (let n = 1 + rng.int(4); n > 0 && c.length > 0; n--) {
        const i = rng.int(c.length);
        c[i] = (c[i] as number) ^ (1 << rng.int(8));
      }
      return c;
    }
    case 1: {
      // set bytes to interesting values
      const c = b.slice();
      for (let n = 1 + rng.int(3); n > 0 && c.length > 0; n--)
        c[rng.int(c.length)] = rng.pick([0, 1, 0x7f, 0x80, 0xff]);
      return c;
    }
    case 2: {
      // insert bytes
      const ins = rng.bytes(1 + rng.int(rng.chance(0.2) ? 512 : 8));
      const c = new Uint8Array(b.length + ins.length);
      c.set(b.subarray(0, at));
      c.set(ins, at);
      c.set(b.subarray(at), at + ins.length);
      return c;
    }
    case 3: {
      // delete bytes
      const n = Math.min(b.length - at, 1 + rng.int(rng.chance(0.2) ? 512 : 8));
      const c = new Uint8Array(b.length - n);
      c.set(b.subarray(0, at));
      c.set(b.subarray(at + n), at);
      return c;
    }
    case 4: // truncate
      return b.slice(0, at);
    case 5: {
      // splice with another seed
      const d = rng.pick(donors);
      const from = d.length === 0 ? 0 : rng.int(d.length);
      const c = new Uint8Array(at + d.length - from);
      c.set(b.subarray(0, at));
      c.set(d.subarray(from), at);
      return c;
    }
    case 6: {
      // copy a block within the input
      const c = b.slice();
      const len = 1 + rng.int(64);
      const src = b.length === 0 ? 0 : rng.int(b.length);
      c.set(b.subarray(src, src + len).subarray(0, Math.max(0, c.length - at)), at);
      return c;
    }
    default: {
      // length/dimension fields: huge, zero, off by one
      const c = b.slice();
      const pos = lengthFields.length > 0 && rng.chance(0.7) ? rng.pick(lengthFields) : at;
      const width = rng.pick([1, 2, 4, 8]);
      const old = c[pos] ?? 0;
      const value = rng.chance(0.7) ? rng.pick(BIG) : old + rng.pick([-1, 1, -2, 2]);
      writeInt(c, pos, width, value, rng.chance(0.5));
      return c;
    }
  }
}

/**
 * Mutates a seed input: 1–4 byte-level edits (`lengthFields` are offsets of the format's size or
 * dimension fields, which edits favour).
 */
export function mutateBytes(
  seed: Uint8Array,
  rng: Rng,
  donors: readonly Uint8Array[],
  lengthFields: readonly number[] = [],
): Uint8Array {
  let b = seed;
  for (let n = 1 + rng.int(rng.chance(0.3) ? 8 : 3); n > 0; n--)
    b = mutateOnce(b, rng, donors, lengthFields);
  return b.length > 256 * 1024 ? b.slice(0, 256 * 1024) : b;
}
