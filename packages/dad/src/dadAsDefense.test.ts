import * as tf from '@tensorflow/tfjs';
import { describeDefense, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { shifted, take, tinyDad, useWasm } from '../test/fixtures';
import { addClampedNoise, type DadDefense } from './index';
import type { Images, Labels } from '@robustjs/core';

useWasm();

/** One tiny fitted DAD (reference of 10, identity featurizer), a clean batch and a flagged batch of 10, built once. */
interface Fixture {
  readonly dad: DadDefense;
  readonly clean: Images;
  readonly flagged: Images;
  readonly y: Labels;
  readonly detector: Awaited<ReturnType<typeof tinyDad>>['detector'];
  dispose(): void;
}
let built: Promise<Fixture> | undefined;
const fixture = (): Promise<Fixture> => {
  built ??= (async () => {
    const { dad, classifier, detector, clean: pool, dispose } = await tinyDad();
    const clean = tf.slice(pool, 80, 10) as Images;
    const flagged = shifted(clean, 31);
    const y = tf.tidy(() => tf.argMax(classifier(clean), 1).toInt()) as Labels;
    return {
      dad, clean, flagged, y, detector,
      dispose: () => { tf.dispose([clean, flagged, y]); dispose(); },
    };
  })();
  return built;
};
afterAll(async () => (await fixture()).dispose());

describeDefense('DAD (routing), flagged batch', async () => {
  const f = await fixture();
  expect(f.dad.route(f.flagged).flagged).toBe(true);
  return { defense: f.dad.asDefense(), x: f.flagged, y: f.y };
});

describe('DadDefense.asDefense', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });

  it('classifies exactly as the CLI did (route, then branch with the seed as is; images denoised or copied)', () => {
    const defense = f.dad.asDefense();
    for (const [x, seed] of [[f.clean, 11], [f.flagged, 11], [f.flagged, 12]] as const) {
      const route = f.dad.route(x);
      const [same, imagesSame, px] = expectNoLeak(() => {
        const out = defense.classify(x, { seed, keepImages: true });
        expect(out.info).toEqual({ statistic: route.statistic, threshold: f.dad.threshold, flagged: route.flagged });
        const r = tf.tidy(() => {
          const logits = f.dad.branch(x, route.flagged, seed);
          const images = route.flagged
            ? tf.clipByValue(f.dad.parts.denoiser.apply(addClampedNoise(x, { std: 0.25, seed })), 0, 1)
            : x;
          return [take(tf.max(tf.abs(tf.sub(out.logits, logits)))), take(tf.max(tf.abs(tf.sub(out.images as Images, images)))), take(tf.sum(out.images as Images))];
        });
        expect(out.logits.shape).toEqual([10, 2]);
        tf.dispose([out.logits, out.images as Images]);
        return r;
      });
      expect(same).toBe(0);
      expect(imagesSame).toBe(0);
      expect(px).toBeGreaterThan(0);
    }
    expect(f.dad.route(f.clean).flagged).toBe(false);
  });

  it('exposes the route-then-branch surface, computing the route once per input tensor, and the statistic term', () => {
    const defense = f.dad.asDefense();
    const { surface } = defense;
    expect(surface.randomized).toBe(true);
    expect(surface.gradient).toBe('exact');
    expect(surface.minBatchSize).toBe(10);
    expect(surface.recommendedAttacks).toEqual([{ name: 'dad-adaptive', objectives: ['detect', 'evade', 'threshold'] }]);
    const score = vi.spyOn(f.detector, 'score');
    try {
      const diffs = expectNoLeak(() => tf.tidy(() => [1, 2, 3].map((seed) =>
        take(tf.max(tf.abs(tf.sub(surface.model(f.flagged, seed), f.dad.branch(f.flagged, true, seed))))))));
      expect(diffs).toEqual([0, 0, 0]);
      expect(score).toHaveBeenCalledTimes(1);
      const copy = tf.clone(f.flagged);
      tf.tidy(() => surface.model(copy, 1));
      expect(score).toHaveBeenCalledTimes(2);
      const v = tf.variable(f.clean);
      expect(tf.tidy(() => take(tf.max(tf.abs(tf.sub(surface.model(v, 1), f.dad.branch(f.clean, false))))))).toBe(0);
      v.assign(f.flagged); // a variable keeps its id: never cached
      expect(tf.tidy(() => take(tf.max(tf.abs(tf.sub(surface.model(v, 1), f.dad.branch(f.flagged, true, 1))))))).toBe(0);
      tf.dispose([copy, v]);
    } finally {
      score.mockRestore();
    }
    const term = surface.terms['statistic'];
    expect(term?.threshold).toBe(f.dad.threshold);
    expect(term?.description).toBe('MMD²_b(R, B) of the batch against the reference batch');
    const m = expectNoLeak(() => tf.tidy(() => take((term as NonNullable<typeof term>).value(f.flagged) as tf.Tensor)));
    expect(m).toBeCloseTo(f.dad.route(f.flagged).statistic, 6);
  });

  it('describes itself with its settings and options', () => {
    const defense = f.dad.asDefense({ label: 'DAD (θ@10)', modifies: null, objectives: ['evade'], settings: { thresholdFrom: 'fixture' } });
    expect(defense.label).toBe('DAD (θ@10)');
    expect(defense.describe()).toEqual({
      label: 'DAD (θ@10)', kind: 'dad', modifies: null,
      settings: { mode: 'routing', threshold: f.dad.threshold, noiseStd: 0.25, minBatchSize: 10, objectives: ['evade'], thresholdFrom: 'fixture' },
      surface: defense.surface.description,
    });
    expect(defense.surface.recommendedAttacks).toEqual([{ name: 'dad-adaptive', objectives: ['evade'] }]);
    const d = f.dad.asDefense().describe();
    expect(d.label).toBe('DAD');
    expect(d.modifies).toBe('Undefended');
  });

  it('rejects bad options, seeds and batches before any work', () => {
    const e1 = expectRobustError(() => f.dad.asDefense({ objectives: ['detect', 'attack' as never] }));
    expect(e1.code).toBe('INVALID_ARGUMENT');
    expect(e1.message).toMatch(/objectives\[1\].*'detect', 'evade', 'threshold'.*"attack"/);
    expect(expectRobustError(() => f.dad.asDefense({ objectives: [] })).message).toMatch(/non-empty/);
    expect(expectRobustError(() => f.dad.asDefense({ objectives: ['evade', 'evade'] })).message).toMatch(/twice/);
    expect(expectRobustError(() => f.dad.asDefense({ settings: { threshold: 1 } })).message).toMatch(/must not set 'threshold'/);
    expect(expectRobustError(() => f.dad.asDefense({ settings: { bad: Number.NaN } })).message).toMatch(/plain JSON object/);
    expect(expectRobustError(() => f.dad.asDefense({ label: '' })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => f.dad.asDefense({ lable: 'x' } as never)).code).toBe('UNKNOWN_OPTION');
    const defense = f.dad.asDefense();
    const before = tf.memory().numTensors;
    expect(expectRobustError(() => defense.classify(f.clean, { seed: 0 })).message).toMatch(/'seed'.*classify/);
    expect(expectRobustError(() => defense.classify(f.clean, { seed: 1, keep: true } as never)).code).toBe('UNKNOWN_OPTION');
    const small = tf.slice(f.clean, 0, 5) as Images;
    const e2 = expectRobustError(() => defense.classify(small, { seed: 1 }));
    expect(e2.code).toBe('SHAPE_MISMATCH');
    expect(e2.message).toMatch(/'x' passed to 'DadDefense.asDefense\(\).classify'.*at least 10 images/);
    small.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
