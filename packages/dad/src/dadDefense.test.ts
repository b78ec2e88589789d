import * as tf from '@tensorflow/tfjs';
import { eot } from '@robustjs/attacks';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shifted, take, tinyClassifier, tinyDenoiser, tinyDetector, useWasm } from '../test/fixtures';
import { dadDefense, type DadDefense, type Denoiser } from './index';

useWasm();

describe('dadDefense', () => {
  let fix: Awaited<ReturnType<typeof tinyDetector>>;
  let tiny: ReturnType<typeof tinyClassifier>;
  let denoiser: Denoiser;
  let defense: DadDefense;
  beforeAll(async () => {
    fix = await tinyDetector();
    tiny = tinyClassifier();
    denoiser = tinyDenoiser(4);
    tf.tidy(() => {
      const w = denoiser.trainableVariables().at(-1) as tf.Variable;
      w.assign(tf.randomNormal(w.shape, 0, 0.2, 'float32', 8));
    });
    defense = dadDefense({ classifier: tiny.classifier, detector: fix.detector, denoiser, threshold: fix.threshold });
  });
  afterAll(() => {
    denoiser.dispose();
    tiny.dispose();
    fix.dispose();
  });

  it('classifies a clean batch as is and denoises a flagged batch, seeded', () => {
    const clean = tf.slice(fix.clean, 80, 10) as tf.Tensor4D;
    const adv = shifted(clean, 31);
    expect(defense.route(clean).flagged).toBe(false);
    const r = defense.route(adv);
    expect(r.flagged).toBe(true);
    expect(r.statistic).toBeGreaterThan(r.threshold);
    const [same, denoisedMatches, seeded] = expectNoLeak(() => tf.tidy(() => [
      take(tf.max(tf.abs(tf.sub(defense(clean), tiny.classifier(clean))))),
      take(tf.max(tf.abs(tf.sub(defense(adv, 5), defense.branch(adv, true, 5))))),
      take(tf.max(tf.abs(tf.sub(defense(adv, 5), defense(adv, 5))))),
    ]));
    expect(same).toBe(0);
    expect(denoisedMatches).toBe(0);
    expect(seeded).toBe(0);
    tf.dispose([clean, adv]);
  });

  it('is differentiable end to end on both routes and works under EOT', () => {
    const clean = tf.slice(fix.clean, 80, 10) as tf.Tensor4D;
    const adv = shifted(clean, 32);
    const norms = expectNoLeak(() => tf.tidy(() => [clean, adv].map((x) =>
      take(tf.sum(tf.abs(tf.grad((xx: tf.Tensor) => tf.sum(defense(xx as tf.Tensor4D, 3)))(x)))))));
    expect(norms.every((n) => Number.isFinite(n) && n > 0)).toBe(true);
    const averaged = eot(defense, { samples: 2, seed: 1 });
    const logits = expectNoLeak(() => tf.tidy(() => averaged(adv).shape));
    expect(logits).toEqual([10, 2]);
    tf.dispose([clean, adv]);
  });

  it('rejects a small batch, another image size and a threshold never calibrated before any work', () => {
    const small = tf.slice(fix.clean, 0, 5) as tf.Tensor4D;
    const e1 = expectRobustError(() => defense(small));
    expect(e1.code).toBe('SHAPE_MISMATCH');
    expect(e1.message).toMatch(/at least 10 images/);
    const big = tf.zeros([10, 9, 9, 1]) as tf.Tensor4D;
    const e2 = expectRobustError(() => defense.route(big));
    expect(e2.code).toBe('SHAPE_MISMATCH');
    expect(e2.message).toMatch(/\[8,8,1\]/);
    const e3 = expectRobustError(() => dadDefense({ classifier: tiny.classifier, detector: fix.detector, denoiser, threshold: undefined }));
    expect(e3.code).toBe('INVALID_ARGUMENT');
    expect(e3.message).toMatch(/never calibrated/);
    expect(expectRobustError(() => dadDefense({ classifier: tiny.classifier, detector: fix.detector, denoiser, threshold: Number.NaN })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => dadDefense({ classifier: tiny.classifier, detector: {} as never, denoiser, threshold: 1 })).message).toMatch(/MmdDetector/);
    tf.dispose([small, big]);
  });

  it('rejects a negative threshold, an unfitted detector and a fractional seed before any work (#24)', async () => {
    const e1 = expectRobustError(() => dadDefense({ classifier: tiny.classifier, detector: fix.detector, denoiser, threshold: -0.1 }));
    expect(e1.code).toBe('OUT_OF_RANGE');
    expect(e1.message).toMatch(/threshold/);
    const { MmdDetector } = await import('@robustjs/mmd');
    const unfitted = new MmdDetector(undefined, { referenceSize: 10 });
    const e2 = expectRobustError(() => dadDefense({ classifier: tiny.classifier, detector: unfitted, denoiser, threshold: 0.1 }));
    expect(e2.code).toBe('INVALID_ARGUMENT');
    expect(e2.message).toMatch(/'detector'.*fitted/);
    const batch = tf.slice(fix.clean, 0, 10) as tf.Tensor4D;
    const e3 = expectRobustError(() => defense(batch, 1.5));
    expect(e3.code).toBe('INVALID_ARGUMENT');
    expect(e3.message).toMatch(/'seed'/);
    batch.dispose();
  });
});
