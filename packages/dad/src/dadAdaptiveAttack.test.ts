import * as tf from '@tensorflow/tfjs';
import { crossEntropy } from '@robustjs/attacks';
import { seedStream } from '@robustjs/core';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanImages, take, tinyClassifier, tinyDenoiser, tinyDetector, useWasm } from '../test/fixtures';
import { dadAdaptiveAttack, dadDefense, evaluateDad, type DadDefense, type Denoiser } from './index';

useWasm();

describe('dadAdaptiveAttack and evaluateDad', () => {
  let fix: Awaited<ReturnType<typeof tinyDetector>>;
  let tiny: ReturnType<typeof tinyClassifier>;
  let denoiser: Denoiser;
  let defense: DadDefense;
  beforeAll(async () => {
    fix = await tinyDetector();
    tiny = tinyClassifier();
    denoiser = tinyDenoiser(4);
    defense = dadDefense({ classifier: tiny.classifier, detector: fix.detector, denoiser, threshold: fix.threshold });
  });
  afterAll(() => {
    denoiser.dispose();
    tiny.dispose();
    fix.dispose();
  });

  it('stays in the eps-ball and [0,1] for both objectives and norms, deterministically, without leaks', () => {
    const { x, y } = cleanImages(10, 41);
    for (const [objective, norm, eps] of [['detect', 'linf', 0.1], ['evade', 'linf', 0.1], ['threshold', 'linf', 0.1], ['detect', 'l2', 0.5], ['evade', 'l2', 0.5], ['threshold', 'l2', 0.5],
      ['denoised', 'linf', 0.1], ['denoised', 'l2', 0.5]] as const) {
      const [dist, lo, hi, again] = expectNoLeak(() => tf.tidy(() => {
        const a = dadAdaptiveAttack(defense, x, y, { objective, norm, eps, steps: 3, eot: 2, seed: 2 });
        const b = dadAdaptiveAttack(defense, x, y, { objective, norm, eps, steps: 3, eot: 2, seed: 2 });
        const d = tf.reshape(tf.sub(a, x), [10, -1]);
        const per = norm === 'linf' ? tf.max(tf.abs(d), 1) : tf.sqrt(tf.sum(tf.square(d), 1));
        return [take(tf.max(per)), take(tf.min(a)), take(tf.max(a)), take(tf.max(tf.abs(tf.sub(a, b))))];
      }));
      expect(dist).toBeLessThanOrEqual(eps + 1e-5);
      expect(dist).toBeGreaterThan(0);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(again).toBe(0);
    }
    tf.dispose([x, y]);
  });

  it('evade raises the loss while keeping the batch unflagged more often than detect', () => {
    const { x, y } = cleanImages(10, 42);
    const flagged = (['detect', 'evade'] as const).map((objective) => {
      const a = dadAdaptiveAttack(defense, x, y, { objective, eps: 0.1, steps: 5, eot: 1, seed: 1 });
      const s = defense.route(a).statistic;
      a.dispose();
      return s;
    });
    expect(flagged[0]).toBeGreaterThan(flagged[1] as number);
    tf.dispose([x, y]);
  });

  it('threshold returns an iterate that passes the detector when one does (at least the clean errors), else the last iterate as evade does', () => {
    const { x, y } = cleanImages(10, 45);
    const labels = Array.from(y.dataSync());
    const wrongOf = (a: tf.Tensor4D): number => {
      const p = tf.tidy(() => tf.argMax(tiny.classifier(a), 1).dataSync());
      return labels.filter((l, i) => p[i] !== l).length;
    };
    for (const margin of [0.9, 0.5]) {
      const evade = dadAdaptiveAttack(defense, x, y, { objective: 'evade', eps: 0.1, steps: 6, eot: 1, seed: 4 });
      const before = tf.memory().numTensors;
      const aware = dadAdaptiveAttack(defense, x, y, { objective: 'threshold', margin, eps: 0.1, steps: 6, eot: 1, seed: 4 });
      expect(tf.memory().numTensors - before).toBe(1); // the result alone: the kept iterates are freed
      const [mEvade, mAware] = [defense.route(evade).statistic, defense.route(aware).statistic];
      // evade from the same start keeps the batch unflagged here, so an iterate passed the detector: the aware result does too
      expect(mEvade).toBeLessThanOrEqual(defense.threshold);
      expect(mAware).toBeLessThanOrEqual(defense.threshold);
      // its first iterate is evade's (same start, same step while m > margin·θ) or the CE step on an unflagged batch; it keeps the best
      expect(wrongOf(aware)).toBeGreaterThanOrEqual(wrongOf(tf.tidy(() => tf.clone(x))));
      tf.dispose([evade, aware]);
    }
    // with θ = 0 no perturbed batch passes (MMD²_b > 0 unless B equals R; a negative θ is rejected): nothing is feasible, the last iterate comes back, as for evade
    const strict = dadDefense({ classifier: tiny.classifier, detector: fix.detector, denoiser, threshold: 0 });
    const a = dadAdaptiveAttack(strict, x, y, { objective: 'threshold', eps: 0.1, steps: 3, eot: 1, seed: 4 });
    const b = dadAdaptiveAttack(strict, x, y, { objective: 'evade', eps: 0.1, steps: 3, eot: 1, seed: 4 });
    expect(take(tf.max(tf.abs(tf.sub(a, b))))).toBe(0);
    tf.dispose([x, y, a, b]);
  });

  it('evaluateDad reports clean and worst-case robust accuracy per batch', async () => {
    const { x, y } = cleanImages(20, 43);
    const report = await evaluateDad(defense, { x, y }, [
      { name: 'detect', options: { objective: 'detect', steps: 2, eot: 1 } },
      { name: 'evade', options: { objective: 'evade', steps: 2, eot: 1 } },
    ]);
    expect(report.images).toBe(20);
    expect(report.batchSize).toBe(10);
    expect(report.attacks.map((a) => a.name)).toEqual(['detect', 'evade']);
    for (const v of [report.cleanAccuracy, report.robustAccuracy, report.cleanFlaggedRate, ...report.attacks.map((a) => a.accuracy)]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
    expect(report.robustAccuracy).toBeLessThanOrEqual(Math.min(...report.attacks.map((a) => a.accuracy)));
    expect(report.cleanAndRobustAccuracy).toBeLessThanOrEqual(report.robustAccuracy);
    tf.dispose([x, y]);
  });

  it("'denoised' ascends CE on the denoised route whatever m: as PGD+EOT on branch(x, true) by hand", () => {
    const { x, y } = cleanImages(10, 47);
    const got = dadAdaptiveAttack(defense, x, y, { objective: 'denoised', steps: 2, eot: 2, seed: 4, randomStart: false });
    // by hand: the same two steps, EOT seeds from seedStream(4) (no random start: no seed taken before)
    const seeds = seedStream(4);
    let xa = tf.clone(x);
    for (let t = 0; t < 2; t++) {
      const draws = [seeds.next() + 1, seeds.next() + 1];
      const next = tf.tidy(() => {
        const grads = draws.map((seed) => tf.grad((xx: tf.Tensor) =>
          tf.mean(crossEntropy(defense.branch(xx as never, true, seed), y)) as tf.Scalar)(xa));
        const g = tf.div(tf.addN(grads), 2);
        return tf.clipByValue(tf.minimum(tf.maximum(tf.add(xa, tf.mul(0.125, tf.sign(g))), tf.sub(x, 0.1)), tf.add(x, 0.1)), 0, 1) as tf.Tensor4D;
      });
      xa.dispose();
      xa = next;
    }
    expect(tf.tidy(() => take(tf.max(tf.abs(tf.sub(got, xa)))))).toBeLessThan(1e-6);
    tf.dispose([x, y, got, xa]);
  });

  it('mixed batches: only the first `controlled` images move; CE and the passing check count those only', () => {
    const { x, y } = cleanImages(10, 48);
    for (const objective of ['detect', 'threshold', 'denoised'] as const) {
      const moved = expectNoLeak(() => tf.tidy(() => {
        const a = dadAdaptiveAttack(defense, x, y, { objective, steps: 3, eot: 1, seed: 2, controlled: 4 });
        return Array.from(tf.max(tf.abs(tf.sub(a, x)), [1, 2, 3]).dataSync());
      }));
      expect(moved.slice(4)).toEqual([0, 0, 0, 0, 0, 0]);
      expect(moved.slice(0, 4).every((d) => d > 0 && d <= 0.1 + 1e-6)).toBe(true);
    }
    const all = dadAdaptiveAttack(defense, x, y, { objective: 'evade', steps: 2, eot: 1, seed: 3, controlled: 10 });
    const plain = dadAdaptiveAttack(defense, x, y, { objective: 'evade', steps: 2, eot: 1, seed: 3 });
    expect(tf.tidy(() => take(tf.max(tf.abs(tf.sub(all, plain)))))).toBe(0);
    for (const controlled of [0, 11, 2.5]) {
      expect(expectRobustError(() => dadAdaptiveAttack(defense, x, y, { controlled })).message).toMatch(/'controlled'/);
    }
    tf.dispose([x, y, all, plain]);
  });

  it('rejects bad objectives, norms, small batches and unknown options', () => {
    const { x, y } = cleanImages(10, 44);
    expect(expectRobustError(() => dadAdaptiveAttack(defense, x, y, { objective: 'maximise' as never })).message).toMatch(/'detect', 'evade', 'threshold'/);
    for (const margin of [0, 1.5, Number.NaN]) expect(expectRobustError(() => dadAdaptiveAttack(defense, x, y, { objective: 'threshold', margin })).message).toMatch(/margin/);
    expect(expectRobustError(() => dadAdaptiveAttack(defense, x, y, { norm: 'l1' as never })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => dadAdaptiveAttack(defense, x, y, { step: 1 } as never)).code).toBe('UNKNOWN_OPTION');
    const [small, ySmall] = [tf.slice(x, 0, 4) as tf.Tensor4D, tf.slice(y, 0, 4) as tf.Tensor1D];
    expect(expectRobustError(() => dadAdaptiveAttack(defense, small, ySmall)).code).toBe('SHAPE_MISMATCH');
    tf.dispose([x, y, small, ySmall]);
  });
});
