import * as tf from '@tensorflow/tfjs';
import type { Detector, Images } from '@robustjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { backendUnderTest, expectAgreesWithWasm, onWasm, WEBGPU_TOLERANCE } from './backendUnderTest';
import { expectClose } from './expectClose';

/**
 * What a {@link describeDetector} suite runs on: the detector, a batch to judge, clean data to
 * calibrate on, and what it declares. `X` is the detector's input: images `[N,H,W,C]` in [0,1]
 * (default) or features `[N,D]`.
 */
export interface DetectorFixture<X extends tf.Tensor = Images> {
  /** The detector under test, ready to calibrate (fitted, for detectors that learn). */
  readonly detector: Detector<X>;
  /** A batch `[N,...]` to score and predict (N: a batch detector's batch size); kept alive. */
  readonly x: X;
  /** Clean data `[M,...]` that `calibrate` accepts; kept alive by the fixture. */
  readonly xClean: X;
  /** The false-alarm rate to calibrate at, in (0, 0.5]. */
  readonly fpr: number;
  /** Whether the detector judges the whole batch (scores `[1]`, one record) rather than each sample (`[N]`, N records). */
  readonly perBatch: boolean;
  /** Whether the score is differentiable with respect to the images (adaptive attacks can go through it). */
  readonly differentiable: boolean;
}

const values = (t: tf.Tensor): Float32Array => Float32Array.from(t.dataSync());

const finite = (a: ArrayLike<number>): boolean => Array.from(a).every((v) => Number.isFinite(v));

/**
 * The conformance suite every {@link Detector} runs, with no per-implementation branch: finite scores `[N]` (`[1]` for
 * a batch detector), deterministic; `calibrate(xClean, { fpr })` a finite, deterministic threshold that a larger fpr
 * never raises; `predict` one record per score with exactly that threshold and `isAdversarial === score > threshold`;
 * no tensor leaks; and, when it declares itself differentiable, a finite, non-zero gradient of `sum(score(x))`.
 *
 * @typeParam X - the detector's input (images `[N,H,W,C]` by default, or features `[N,D]`).
 * @param name - the suite's title.
 * @param make - builds the fixture (once, before the suite's tests).
 * @example
 * ```ts
 * describeDetector('MMD', async () => ({ detector: fitted.asDetector(), x, xClean, fpr: 0.1, perBatch: true, differentiable: true }));
 * ```
 */
export function describeDetector<X extends tf.Tensor = Images>(
  name: string,
  make: () => DetectorFixture<X> | Promise<DetectorFixture<X>>,
): void {
  describe(`Detector conformance: ${name}`, () => {
    let f: DetectorFixture<X>;
    let length: number;
    beforeAll(async () => {
      f = await make();
      length = f.perBatch ? 1 : f.x.shape[0];
    });

    it('scores x as finite [N] (or [1] per batch), the same on every call, without leaks', () => {
      const before = tf.memory().numTensors;
      const s = f.detector.score(f.x);
      expect(s.shape).toEqual([length]);
      const a = values(s);
      s.dispose();
      expect(finite(a)).toBe(true);
      const again = f.detector.score(f.x);
      expect(values(again)).toEqual(a);
      again.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('calibrates to a finite, deterministic threshold that a larger fpr never raises, without leaks', () => {
      const before = tf.memory().numTensors;
      const looser = f.detector.calibrate(f.xClean, { fpr: Math.max(f.fpr, 0.5) });
      const threshold = f.detector.calibrate(f.xClean, { fpr: f.fpr });
      expect(Number.isFinite(threshold)).toBe(true);
      expect(f.detector.calibrate(f.xClean, { fpr: f.fpr })).toBe(threshold);
      expect(looser).toBeLessThanOrEqual(threshold);
      expect(tf.memory().numTensors).toBe(before);
    });

    it('predicts one record per score: that score, the calibrated threshold and score > threshold, deterministic, without leaks', () => {
      const threshold = f.detector.calibrate(f.xClean, { fpr: f.fpr });
      const before = tf.memory().numTensors;
      const records = f.detector.predict(f.x);
      expect(tf.memory().numTensors).toBe(before);
      expect(records.length).toBe(length);
      const s = f.detector.score(f.x);
      expectClose(records.map((r) => r.score), values(s), 1e-5, 'predicted scores vs score(x)');
      s.dispose();
      for (const r of records) {
        expect(Number.isFinite(r.score)).toBe(true);
        expect(r.threshold).toBe(threshold);
        expect(r.isAdversarial).toBe(r.score > threshold);
        expect(r.pValue === undefined || (r.pValue > 0 && r.pValue <= 1)).toBe(true);
      }
      expect(f.detector.predict(f.x)).toEqual(records);
    });

    it('has a finite, non-zero gradient of sum(score(x)) when differentiable, without leaks', () => {
      const before = tf.memory().numTensors;
      if (f.differentiable) {
        const sumScore = (xx: tf.Tensor): tf.Scalar => tf.sum(f.detector.score(xx as X));
        const g = tf.tidy(() => values(tf.grad(sumScore)(f.x)));
        expect(g.length).toBe(f.x.size);
        expect(finite(g)).toBe(true);
        expect(g.some((v) => v !== 0)).toBe(true);
      }
      expect(tf.memory().numTensors).toBe(before);
    });

    if (backendUnderTest() !== 'wasm') {
      it(`agrees with wasm: scores within ${WEBGPU_TOLERANCE.chain}, the gradient within ${WEBGPU_TOLERANCE.gradient} (relative)`, () => {
        const score = (): Float32Array => tf.tidy(() => values(f.detector.score(f.x)));
        expectAgreesWithWasm(score(), onWasm(score), WEBGPU_TOLERANCE.chain, 'scores');
        if (f.differentiable) {
          const sumScore = (xx: tf.Tensor): tf.Scalar => tf.sum(f.detector.score(xx as X));
          const grad = (): Float32Array => tf.tidy(() => values(tf.grad(sumScore)(f.x)));
          expectAgreesWithWasm(grad(), onWasm(grad), WEBGPU_TOLERANCE.gradient, 'gradient of sum(score(x))');
        }
      });
    }
  });
}
