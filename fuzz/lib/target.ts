// What a fuzz target is, and the helpers every target shares (digests, input generation).
import { createHash } from 'node:crypto';
import * as tf from '@tensorflow/tfjs';
import { mutateBytes, mutateJson } from './mutate';
import type { Rng } from './rng';

/** One fuzz input: one or more files (a model.json and its weights, two shard reports, …). */
export type FuzzInput = Uint8Array[];

/** The context a target runs in: a scratch folder of this worker. */
export interface TargetContext {
  readonly tmp: string;
}

/** What a target that runs several readers returns. */
export interface RunResult {
  readonly digest: string;
  readonly tags: readonly string[];
}

/** A parser under test. */
export interface Target {
  readonly name: string;
  /** Valid inputs that mutations start from, built once per worker (deterministically). */
  seeds(ctx: TargetContext): Promise<FuzzInput[]>;
  /** Input `index` from its random source; default {@link defaultGenerate}. */
  generate?(
    rng: Rng,
    seeds: readonly FuzzInput[],
    ctx: TargetContext,
  ): FuzzInput | Promise<FuzzInput>;
  /** Offsets of size or dimension fields in part `part` of a seed, favoured by mutations. */
  fields?(seed: Uint8Array, part: number): number[];
  /** Parts that hold JSON text (mutated structurally half of the time). */
  readonly jsonParts?: readonly number[];
  /** Writes what the input needs on disk (not timed, not counted in RSS). */
  prepare?(input: FuzzInput, ctx: TargetContext): Promise<void> | void;
  /**
   * Parses the input; returns a digest of everything it produced (and, for a target that runs
   * several readers, one tag per reader such as `unet:CORRUPT_FILE`), or throws. Frees what it
   * made.
   */
  run(input: FuzzInput, ctx: TargetContext): Promise<string | RunResult>;
  /** The code of an error that is an expected rejection besides RobustError (e.g. CliError). */
  expected?(error: unknown): string | undefined;
  /** The input's size in bytes for the RSS bound (default the parts' total). */
  size?(input: FuzzInput, ctx: TargetContext): number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** UTF-8 bytes of a string. */
export const utf8 = (s: string): Uint8Array => enc.encode(s);
/** A string from UTF-8 bytes (invalid sequences replaced). */
export const text = (b: Uint8Array): string => dec.decode(b);

/** A SHA-1 digest of any value: typed arrays, tensors, maps and plain objects (keys sorted). */
export function digest(value: unknown): string {
  const h = createHash('sha1');
  const seen = new Set<unknown>();
  const walk = (v: unknown): void => {
    if (v instanceof tf.Tensor) {
      h.update(`T${v.dtype}[${v.shape.join(',')}]`);
      const d = v.dataSync();
      h.update(
        v.dtype === 'string' ? String(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
      );
    } else if (ArrayBuffer.isView(v)) {
      h.update(`B${v.constructor.name}`);
      h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    } else if (v instanceof ArrayBuffer) {
      h.update(new Uint8Array(v));
    } else if (v instanceof Map) {
      walk([...v.entries()]);
    } else if (Array.isArray(v)) {
      if (seen.has(v)) return void h.update('cycle');
      seen.add(v);
      h.update(`A${v.length}`);
      v.forEach(walk);
    } else if (v !== null && typeof v === 'object') {
      if (seen.has(v)) return void h.update('cycle');
      seen.add(v);
      const keys = Object.keys(v).sort();
      h.update(`O${keys.length}`);
      for (const k of keys) {
        h.update(k);
        walk((v as Record<string, unknown>)[k]);
      }
    } else if (typeof v === 'number') {
      h.update(Object.is(v, -0) ? 'n-0' : `n${v}`);
    } else {
      h.update(`${typeof v}:${String(v)}`);
    }
  };
  walk(value);
  return h.digest('hex');
}

/**
 * The default input generator: 8% random bytes (up to 4 KiB), otherwise a seed with one part
 * mutated: structurally (JSON parts, half of the time) and/or byte by byte.
 */
export function defaultGenerate(target: Target, rng: Rng, seeds: readonly FuzzInput[]): FuzzInput {
  const seed = rng.pick(seeds);
  if (rng.chance(0.08)) {
    const out = seed.slice();
    out[rng.int(out.length)] = rng.bytes(rng.int(rng.chance(0.5) ? 64 : 4096));
    return out;
  }
  const out = seed.slice();
  const part = rng.int(out.length);
  let b = out[part] as Uint8Array;
  const donors = seeds.map((s) => s[Math.min(part, s.length - 1)] as Uint8Array);
  if (target.jsonParts?.includes(part) && rng.chance(0.6)) {
    b = utf8(JSON.stringify(mutateJson(JSON.parse(text(b)), rng)));
    if (rng.chance(0.2)) b = mutateBytes(b, rng, donors);
  } else {
    b = mutateBytes(b, rng, donors, target.fields?.(b, part) ?? []);
  }
  out[part] = b;
  return out;
}
