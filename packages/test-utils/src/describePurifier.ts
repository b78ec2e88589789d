import * as tf from '@tensorflow/tfjs';
import type { Images } from '@robustjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendUnderTest, expectAgreesWithWasm, onWasm, WEBGPU_TOLERANCE } from './backendUnderTest';

/** What a {@link describePurifier} suite runs on: a seeded purifier, a small batch it accepts, and what it declares. */
export interface PurifierFixture {
  /**
   * The purifier under test: `purify(x, { seed })`, images `[N,H,W,C]` in [0,1] → the same shape in [0,1]. Every
   * robustjs purifier fits as it is (`diffPure`, `gdmp`, `gns`, `ssniPurifier`, `timestepPurifier`, a `SeededPurifier`).
   */
  readonly purifier: { purify(x: Images, options: { readonly seed: number }): Images };
  /** Images `[N,H,W,C]` in [0,1]; kept alive by the fixture. */
  readonly x: Images;
  /** Whether the output depends on the seed (other seeds give other images). */
  readonly randomized: boolean;
  /** Whether gradients flow from the output to `x` (exact, checkpointed, surrogate or BPDA backward). */
  readonly differentiable: boolean;
}

const values = (t: tf.Tensor): Float32Array => Float32Array.from(t.dataSync());

const finite = (a: Float32Array): boolean => a.every((v) => Number.isFinite(v));

/**
 * The conformance suite every purifier runs, with no per-implementation branch: purified images of x's shape,
 * finite and in [0,1]; seeded determinism; different seeds differ exactly when the fixture says it is randomized;
 * no tensor leaks (also under gradients); the input left alive; and, when it declares itself differentiable, a
 * finite, non-zero gradient of `sum(purify(x, s) · w)` with respect to x for a fixed random `w` of x's shape.
 *
 * @param name - the suite's title.
 * @param make - builds the fixture (once, before the suite's tests).
 * @example
 * ```ts
 * describePurifier('DiffPure', () => ({ purifier: diffPure(eps, schedule, { t: 20, steps: 3 }), x, randomized: true, differentiable: true }));
 * ```
 */
export function describePurifier(name: string, make: () => PurifierFixture | Promise<PurifierFixture>): void {
  describe(`Purifier conformance: ${name}`, () => {
    let f: PurifierFixture;
    beforeAll(async () => {
      f = await make();
    });

    it('returns finite images of the input shape in [0,1], leaves its input alive, without leaks', () => {
      const before = tf.memory().numTensors;
      const out = f.purifier.purify(f.x, { seed: 3 });
      expect(out.shape).toEqual(f.x.shape);
      expect(out.dtype).toBe('float32');
      const px = values(out);
      expect(finite(px)).toBe(true);
      expect(px.every((v) => v >= 0 && v <= 1)).toBe(true);
      out.dispose();
      expect(f.x.isDisposed).toBe(false);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('gives the same images for the same seed, and other images for other seeds exactly when randomized', () => {
      const run = (seed: number): Float32Array => {
        const out = f.purifier.purify(f.x, { seed });
        const v = values(out);
        out.dispose();
        return v;
      };
      const a = run(5);
      expect(run(5)).toEqual(a);
      const c = run(6);
      expect(c.some((v, i) => v !== a[i])).toBe(f.randomized);
    });

    it('has a finite, non-zero gradient of sum(purify(x, s) · w) when differentiable, without leaks', () => {
      const before = tf.memory().numTensors;
      if (f.differentiable) {
        const g = tf.tidy(() => {
          const w = tf.randomNormal(f.x.shape, 0, 1, 'float32', 7);
          return values(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f.purifier.purify(xx as Images, { seed: 7 }), w)) as tf.Scalar)(f.x));
        });
        expect(g.length).toBe(f.x.size);
        expect(finite(g)).toBe(true);
        expect(g.some((v) => v !== 0)).toBe(true);
      }
      expect(tf.memory().numTensors).toBe(before);
    });

    if (backendUnderTest() !== 'wasm') {
      it(`agrees with wasm: images within ${WEBGPU_TOLERANCE.chain}, the gradient within ${WEBGPU_TOLERANCE.gradient} (relative)`, () => {
        const images = (): Float32Array => tf.tidy(() => values(f.purifier.purify(f.x, { seed: 3 })));
        expectAgreesWithWasm(images(), onWasm(images), WEBGPU_TOLERANCE.chain, 'purified images');
        if (f.differentiable) {
          const grad = (): Float32Array => tf.tidy(() => {
            const w = tf.randomNormal(f.x.shape, 0, 1, 'float32', 7);
            return values(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(f.purifier.purify(xx as Images, { seed: 7 }), w)) as tf.Scalar)(f.x));
          });
          expectAgreesWithWasm(grad(), onWasm(grad), WEBGPU_TOLERANCE.gradient, 'gradient of sum(purify(x) · w)');
        }
      });
    }
  });
}
