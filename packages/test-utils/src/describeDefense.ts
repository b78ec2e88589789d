import * as tf from '@tensorflow/tfjs';
import { assertDefense, type Defense, type Images, type Labels } from '@robustjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendUnderTest, expectAgreesWithWasm, onWasm, WEBGPU_TOLERANCE } from './backendUnderTest';

/** What a {@link describeDefense} suite runs on: the defense and a small batch it accepts. */
export interface DefenseFixture {
  /** The defense under test. */
  readonly defense: Defense;
  /** Images `[N,H,W,C]` in [0,1] (N ≥ the defense's `minBatchSize`); kept alive by the fixture. */
  readonly x: Images;
  /** Labels `[N]` int32 for the gradient check. */
  readonly y: Labels;
}

/** Plain JSON all the way down: finite numbers, strings, booleans, null, arrays and plain objects (no NaN, undefined, functions, tensors). */
const isJsonEqual = (v: unknown): boolean => {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJsonEqual);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) return Object.values(v as object).every(isJsonEqual);
  return false;
};

const values = (t: tf.Tensor): Float32Array => Float32Array.from(t.dataSync());

const finite = (a: Float32Array): boolean => a.every((v) => Number.isFinite(v));

/**
 * The conformance suite every {@link Defense} runs, with no per-implementation branch: the contract's
 * members; logits `[N,K]` and kept images of x's shape in [0,1]; a JSON info record and description;
 * seeded determinism; different seeds differ when the defense says it is randomized; no tensor leaks; a finite,
 * non-zero gradient of the declared attack surface (unless it declares `'none'`) and a finite gradient of every extra
 * term.
 *
 * @param name - the suite's title.
 * @param make - builds the fixture (once, before the suite's tests); for a defense that is random only on some inputs
 *   (DAD on flagged batches), give an input on which it is.
 * @example
 * ```ts
 * describeDefense('DiffPure', async () => ({ defense: purifierDefense(...), x, y }));
 * ```
 */
export function describeDefense(name: string, make: () => DefenseFixture | Promise<DefenseFixture>): void {
  describe(`Defense conformance: ${name}`, () => {
    let f: DefenseFixture;
    beforeAll(async () => {
      f = await make();
    });

    it('implements the contract and describes itself as JSON', () => {
      assertDefense(f.defense, 'defense', 'describeDefense');
      const d = f.defense.describe();
      expect(d.label).toBe(f.defense.label);
      expect(typeof d.kind).toBe('string');
      expect(isJsonEqual(d)).toBe(true);
      expect(isJsonEqual(f.defense.surface.recommendedAttacks)).toBe(true);
      expect(f.x.shape[0]).toBeGreaterThanOrEqual(f.defense.surface.minBatchSize);
    });

    it('returns logits [N,K], kept images of the input shape in [0,1] and a JSON info record, without leaks', () => {
      const before = tf.memory().numTensors;
      const out = f.defense.classify(f.x, { seed: 3, keepImages: true });
      expect(out.logits.shape.length).toBe(2);
      expect(out.logits.shape[0]).toBe(f.x.shape[0]);
      expect(finite(values(out.logits))).toBe(true);
      expect(out.images?.shape).toEqual(f.x.shape);
      const px = values(out.images as tf.Tensor);
      expect(px.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(isJsonEqual(out.info)).toBe(true);
      tf.dispose([out.logits, out.images as tf.Tensor]);
      const plain = f.defense.classify(f.x, { seed: 3 });
      expect(plain.images).toBeUndefined();
      plain.logits.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('gives the same outcome for the same seed, and other draws for other seeds when randomized', () => {
      const run = (seed: number): { logits: Float32Array; images: Float32Array; info: string } => {
        const out = f.defense.classify(f.x, { seed, keepImages: true });
        const r = { logits: values(out.logits), images: values(out.images as tf.Tensor), info: JSON.stringify(out.info) };
        tf.dispose([out.logits, out.images as tf.Tensor]);
        return r;
      };
      const a = run(5);
      const b = run(5);
      expect(b.logits).toEqual(a.logits);
      expect(b.images).toEqual(a.images);
      expect(b.info).toBe(a.info);
      const c = run(6);
      const differs = c.images.some((v, i) => v !== a.images[i]) || c.logits.some((v, i) => v !== a.logits[i]);
      expect(differs).toBe(f.defense.surface.randomized);
    });

    it('has a finite gradient through its declared attack surface and terms, without leaks', () => {
      const { surface } = f.defense;
      const before = tf.memory().numTensors;
      const k = tf.tidy(() => surface.model(f.x, 7).shape[1]);
      const loss = (xx: tf.Tensor): tf.Scalar =>
        tf.losses.softmaxCrossEntropy(tf.oneHot(f.y, k as number), surface.model(xx as Images, 7)) as tf.Scalar;
      if (surface.gradient !== 'none') {
        const g = tf.tidy(() => values(tf.grad(loss)(f.x)));
        expect(g.length).toBe(f.x.size);
        expect(finite(g)).toBe(true);
        expect(g.some((v) => v !== 0)).toBe(true);
      }
      for (const term of Object.values(surface.terms)) {
        const g = tf.tidy(() => values(tf.grad((xx: tf.Tensor) => tf.sum(term.value(xx as Images)) as tf.Scalar)(f.x)));
        expect(finite(g)).toBe(true);
      }
      expect(tf.memory().numTensors).toBe(before);
    });

    if (backendUnderTest() !== 'wasm') {
      it(`agrees with wasm: logits and kept images within ${WEBGPU_TOLERANCE.chain} (relative)`, () => {
        const run = (): { logits: Float32Array; images: Float32Array } => {
          const out = f.defense.classify(f.x, { seed: 3, keepImages: true });
          const r = { logits: values(out.logits), images: values(out.images as tf.Tensor) };
          tf.dispose([out.logits, out.images as tf.Tensor]);
          return r;
        };
        const here = run();
        const wasm = onWasm(run);
        expectAgreesWithWasm(here.logits, wasm.logits, WEBGPU_TOLERANCE.chain, 'logits');
        expectAgreesWithWasm(here.images, wasm.images, WEBGPU_TOLERANCE.chain, 'kept images');
      });
    }
  });
}
