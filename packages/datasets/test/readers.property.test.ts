// Property test of every binary reader: 10,000 random or mutated byte strings each. The only
// exception allowed is a RobustError; every success must be a well-formed dataset; nothing may hang.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RobustError } from '@robustjs/core';
import { assertDataset } from '../src/createDataset';
import { gunzip } from '../src/gunzip';
import { decodeImage } from '../src/node/decodeImage';
import { gunzipIfNeeded } from '../src/node/files';
import { readCifar10 } from '../src/readCifar10';
import { readIdx, readIdxImpl } from '../src/readIdx';
import { cifarBytes, idxPair, jpegBytes, pngBytes } from './fixtures';

const RUNS = 10_000;

/** mulberry32: a small seeded PRNG returning floats in [0,1). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EXTREMES = [0, 1, 0xff, 0x7fffffff, 0xffffffff, 0x80000000, 28, 3073];

/** One random or mutated version of `valid`. */
function mutate(valid: Uint8Array, r: () => number): Uint8Array {
  const int = (n: number) => Math.floor(r() * n);
  const kind = int(7);
  if (kind === 0) return Uint8Array.from({ length: int(2 * valid.length + 16) }, () => int(256)); // random bytes
  const out = valid.slice();
  switch (kind) {
    case 1: // flip a few bytes
      for (let k = 1 + int(8); k > 0; k--) out[int(out.length)] = int(256);
      return out;
    case 2: // truncate
      return out.subarray(0, int(out.length));
    case 3: { // append junk
      const longer = new Uint8Array(out.length + 1 + int(64));
      longer.set(out);
      for (let i = out.length; i < longer.length; i++) longer[i] = int(256);
      return longer;
    }
    case 4: { // overwrite a header word with an extreme or random value
      const at = int(Math.max(1, Math.min(out.length - 4, 40)));
      if (out.length >= 4) new DataView(out.buffer).setUint32(at, r() < 0.7 ? (EXTREMES[int(EXTREMES.length)] as number) : int(2 ** 32));
      return out;
    }
    case 5: { // delete a range
      const a = int(out.length);
      const b = a + int(out.length - a + 1);
      return Uint8Array.from([...out.subarray(0, a), ...out.subarray(b)]);
    }
    default: // header bytes only
      for (let k = 1 + int(3); k > 0; k--) out[int(Math.min(out.length, 24))] = int(256);
      return out;
  }
}

/** Runs `read` on RUNS inputs; returns how many succeeded. Fails on any non-RobustError or a slow input. */
async function fuzz(name: string, seed: number, make: (r: () => number) => Uint8Array, read: (b: Uint8Array) => unknown): Promise<number> {
  const r = rng(seed);
  let ok = 0;
  let slowest = 0;
  for (let i = 0; i < RUNS; i++) {
    const input = make(r);
    const t0 = performance.now();
    try {
      const result = await read(input);
      if (result !== undefined) assertDataset(result, 'result', name);
      ok++;
    } catch (e) {
      if (!(e instanceof RobustError)) {
        throw new Error(`${name}: input #${i} (${input.length} bytes, seed ${seed}) threw ${String(e)}, not a RobustError`, { cause: e });
      }
      if (e.message.length < 20) throw new Error(`${name}: input #${i} gave a RobustError without a real message: ${e.message}`);
    }
    slowest = Math.max(slowest, performance.now() - t0);
  }
  expect(slowest).toBeLessThan(10_000); // a guard against hangs (loops that never end), not a speed test
  return ok;
}

describe('binary readers under 10,000 random or mutated inputs each', () => {
  const idx = idxPair(8, 6, 5);

  it('readIdx (images or labels file mutated) throws only RobustErrors', async () => {
    const ok = await fuzz('readIdx', 1, (r) => (r() < 0.5 ? mutate(idx.images, r) : mutate(idx.labels, r)), (b) =>
      b.length % 2 === 0 ? readIdx(b, idx.labels) : readIdx(idx.images, b));
    expect(ok).toBeLessThan(RUNS);
  });

  it('the Node IDX path (gunzip + read) throws only RobustErrors', async () => {
    const gz = new Uint8Array(gzipSync(idx.images));
    await fuzz('readIdxFiles', 2, (r) => (r() < 0.5 ? mutate(gz, r) : mutate(idx.images, r)), (b) =>
      readIdxImpl(gunzipIfNeeded(b, 'fuzz.gz', 'fuzz'), idx.labels, { imagesSubject: "'fuzz.gz'", labelsSubject: "'labels'", classNames: undefined, source: 'fuzz' }));
  });

  it('readCifar10 throws only RobustErrors', async () => {
    const valid = cifarBytes([1, 5, 9]);
    const ok = await fuzz('readCifar10', 3, (r) => mutate(valid, r), (b) => readCifar10(b));
    expect(ok).toBeGreaterThan(0); // byte flips in pixels still read
  });

  it('gunzip (DecompressionStream) throws only RobustErrors', async () => {
    const gz = new Uint8Array(gzipSync(idx.images));
    await fuzz('gunzip', 4, (r) => mutate(gz, r), async (b) => {
      await gunzip(b, 'fuzz.gz');
      return undefined;
    });
  });

  it('the PNG decoder throws only RobustErrors', async () => {
    const valid = pngBytes(8, 8, (x, y) => [x * 30, y * 30, 100, 255]);
    await fuzz('decodeImage(png)', 5, (r) => mutate(valid, r), (b) => {
      decodeImage(b, "'fuzz.png'", 1 << 16);
      return undefined;
    });
  });

  it('the JPEG decoder throws only RobustErrors', async () => {
    const valid = jpegBytes(16, 16);
    await fuzz('decodeImage(jpeg)', 6, (r) => mutate(valid, r), (b) => {
      decodeImage(b, "'fuzz.jpg'", 1 << 16);
      return undefined;
    });
  });
});
