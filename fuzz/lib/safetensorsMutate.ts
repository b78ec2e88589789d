// Structural mutation of safetensors files: the JSON header (and a JSON string inside its
// __metadata__, such as a model config) is edited, then written back with its length.
import { mutateBytes, mutateJson } from './mutate';
import type { Rng } from './rng';
import { text, utf8 } from './target';

/** Splits a safetensors file into its header object and data bytes, or undefined. */
function split(b: Uint8Array): { header: Record<string, unknown>; data: Uint8Array } | undefined {
  if (b.length < 8) return undefined;
  const n = Number(new DataView(b.buffer, b.byteOffset, b.byteLength).getBigUint64(0, true));
  if (n > b.length - 8) return undefined;
  try {
    const header = JSON.parse(text(b.subarray(8, 8 + n))) as Record<string, unknown>;
    return { header, data: b.subarray(8 + n) };
  } catch {
    return undefined;
  }
}

/** A safetensors file from a header object and data bytes; `lie` adds to the length field. */
export function joinSafetensors(header: unknown, data: Uint8Array, lie = 0): Uint8Array {
  const h = utf8(JSON.stringify(header));
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, h.length + lie)), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

/** Mutates a safetensors file: its header (or a JSON string in its metadata) or its bytes. */
export function mutateSafetensors(
  b: Uint8Array,
  rng: Rng,
  donors: readonly Uint8Array[],
): Uint8Array {
  const s = split(b);
  if (s === undefined || rng.chance(0.35)) return mutateBytes(b, rng, donors, [0, 4, 7]);
  let header = s.header;
  const meta = header['__metadata__'] as Record<string, unknown> | undefined;
  const jsonKeys = meta
    ? Object.keys(meta).filter(
        (k) => typeof meta[k] === 'string' && /^[[{]/.test(meta[k] as string),
      )
    : [];
  if (jsonKeys.length > 0 && rng.chance(0.4)) {
    const k = rng.pick(jsonKeys);
    const inner = mutateJson(JSON.parse(meta?.[k] as string), rng);
    header = { ...header, __metadata__: { ...meta, [k]: JSON.stringify(inner) } };
  } else {
    header = mutateJson(header, rng) as Record<string, unknown>;
  }
  let data = s.data;
  if (rng.chance(0.2)) data = data.subarray(0, rng.int(data.length + 1));
  return joinSafetensors(header, data, rng.chance(0.1) ? rng.pick([-1, 1, 8, 2 ** 20]) : 0);
}
