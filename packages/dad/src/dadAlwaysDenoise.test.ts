import * as tf from '@tensorflow/tfjs';
import { evaluateDefense, evaluationData, pgdEotAttack } from '@robustjs/attacks';
import { seedStream } from '@robustjs/core';
import type { Images, Labels } from '@robustjs/core';
import { describeDefense, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { take, tinyDad, useWasm } from '../test/fixtures';
import { addClampedNoise, dadAdaptiveEvaluationAttack, dadDefense, type DadDefense } from './index';

useWasm();

/** One tiny fitted DAD (reference of 10: the routing mode needs batches of 10) and 12 clean images, built once. */
interface Fixture {
  readonly dad: DadDefense;
  readonly x: Images;
  readonly y: Labels;
  /** The first 3 images and labels, and image 5 alone. */
  readonly small: { readonly x3: Images; readonly y3: Labels; readonly x1: Images; readonly y1: Labels };
  readonly detector: Awaited<ReturnType<typeof tinyDad>>['detector'];
  dispose(): void;
}
let built: Promise<Fixture> | undefined;
const fixture = (): Promise<Fixture> => {
  built ??= (async () => {
    const { dad, classifier, detector, clean, dispose } = await tinyDad();
    const x = tf.slice(clean, 80, 12) as Images;
    const y = tf.tidy(() => tf.argMax(classifier(x), 1).toInt()) as Labels;
    const small = { x3: tf.slice(x, 0, 3) as Images, y3: tf.slice(y, 0, 3) as Labels, x1: tf.slice(x, 5, 1) as Images, y1: tf.slice(y, 5, 1) as Labels };
    return {
      dad, x, y, small, detector,
      dispose: () => { tf.dispose([x, y, ...Object.values(small)]); dispose(); },
    };
  })();
  return built;
};
afterAll(async () => (await fixture()).dispose());

const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => take(tf.max(tf.abs(tf.sub(a, b)))));

describeDefense('DAD (always denoise), a batch of 3 (smaller than the reference of 10)', async () => {
  const f = await fixture();
  return { defense: f.dad.asDefense({ mode: 'always-denoise' }), x: f.small.x3, y: f.small.y3 };
});

describeDefense('DAD (always denoise), one image', async () => {
  const f = await fixture();
  return { defense: f.dad.asDefense({ mode: 'always-denoise' }), x: f.small.x1, y: f.small.y1 };
});

describe("DadDefense.asDefense({ mode: 'always-denoise' })", () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });

  it('classifies every batch (1, 3, 10, 12 images) as branch(x, true, seed), bit for bit, without calling the detector', () => {
    const defense = f.dad.asDefense({ mode: 'always-denoise' });
    const score = vi.spyOn(f.detector, 'score');
    try {
      for (const [n, seed] of [[1, 11], [3, 11], [10, 12], [12, 13]] as const) {
        const x = tf.slice(f.x, 0, n) as Images;
        const [logitsDiff, imagesDiff, modelDiff] = expectNoLeak(() => {
          const out = defense.classify(x, { seed, keepImages: true });
          expect(out.info).toEqual({});
          expect(out.logits.shape).toEqual([n, 2]);
          const plain = defense.classify(x, { seed });
          expect(plain.images).toBeUndefined();
          const r = tf.tidy(() => {
            const logits = f.dad.branch(x, true, seed);
            const images = tf.clipByValue(f.dad.parts.denoiser.apply(addClampedNoise(x, { std: 0.25, seed })), 0, 1);
            return [
              maxDiff(out.logits, logits) + maxDiff(plain.logits, logits),
              maxDiff(out.images as Images, images),
              maxDiff(defense.surface.model(x, seed), logits),
            ];
          });
          tf.dispose([out.logits, out.images as Images, plain.logits]);
          return r;
        });
        expect([logitsDiff, imagesDiff, modelDiff]).toEqual([0, 0, 0]);
        x.dispose();
      }
      expect(score).not.toHaveBeenCalled();
    } finally {
      score.mockRestore();
    }
    // the seed matters (the equalities above are not vacuous) and the images are denoised, not copied
    const x = tf.slice(f.x, 0, 3) as Images;
    const [a, b] = [defense.classify(x, { seed: 1, keepImages: true }), defense.classify(x, { seed: 2 })];
    expect(maxDiff(a.logits, b.logits)).toBeGreaterThan(0);
    expect(maxDiff(a.images as Images, x)).toBeGreaterThan(0);
    tf.dispose([x, a.logits, a.images as Images, b.logits]);
  });

  it('exposes a per-image surface for pgd-eot and describes itself without a threshold', () => {
    const defense = f.dad.asDefense({ mode: 'always-denoise' });
    const { surface } = defense;
    expect(defense.label).toBe('DAD (always denoise)');
    expect(surface.minBatchSize).toBe(1);
    expect(surface.randomized).toBe(true);
    expect(surface.gradient).toBe('exact');
    expect(surface.terms).toEqual({});
    expect(surface.recommendedAttacks).toEqual([{ name: 'pgd-eot' }]);
    expect(surface.description).toBe('full backprop through clamped N(0, 0.25²) noise → denoiser → classifier on every batch (DAD without its detector)');
    expect(defense.describe()).toEqual({
      label: 'DAD (always denoise)', kind: 'dad', modifies: 'Undefended',
      settings: { mode: 'always-denoise', noiseStd: 0.25, minBatchSize: 1 }, surface: surface.description,
    });
    const custom = f.dad.asDefense({ mode: 'always-denoise', label: 'DAD-D', modifies: null, settings: { note: 'ablation' } });
    expect(custom.describe()).toEqual({
      label: 'DAD-D', kind: 'dad', modifies: null,
      settings: { mode: 'always-denoise', noiseStd: 0.25, minBatchSize: 1, note: 'ablation' }, surface: surface.description,
    });
    // σ = 0: no noise is drawn, so the defense is deterministic and says so
    const quiet = dadDefense({ ...f.dad.parts, threshold: f.dad.threshold, noiseStd: 0 }).asDefense({ mode: 'always-denoise' });
    expect(quiet.surface.randomized).toBe(false);
  });

  it('leaves the routing mode as it was: the default, and mode routing spelled out', () => {
    const routing = f.dad.asDefense({ mode: 'routing' });
    const plain = f.dad.asDefense();
    expect(routing.describe()).toEqual(plain.describe());
    expect(plain.describe().settings).toEqual({
      mode: 'routing', threshold: f.dad.threshold, noiseStd: 0.25, minBatchSize: 10, objectives: ['detect', 'evade', 'threshold'],
    });
    expect(plain.label).toBe('DAD');
    expect(plain.surface.minBatchSize).toBe(10);
    expect(plain.surface.recommendedAttacks).toEqual([{ name: 'dad-adaptive', objectives: ['detect', 'evade', 'threshold'] }]);
    const x = tf.slice(f.x, 0, 10) as Images;
    const a = routing.classify(x, { seed: 4 });
    const b = plain.classify(x, { seed: 4 });
    expect(maxDiff(a.logits, b.logits)).toBe(0);
    expect(a.info).toEqual(b.info);
    tf.dispose([x, a.logits, b.logits]);
  });

  it("is evaluated with pgd-eot of @robustjs/attacks through evaluateDefense, in batches of 5 (the last of 2), without leaks", async () => {
    const defense = f.dad.asDefense({ mode: 'always-denoise' });
    const x = tf.slice(f.x, 0, 7) as Images;
    const y = tf.slice(f.y, 0, 7) as Labels;
    const options = { attacks: [pgdEotAttack({ steps: 3, eot: 2, chunkSize: 3 })], threat: { norm: 'linf', eps: 0.2 }, batchSize: 5, seed: 3 } as const;
    const before = tf.memory().numTensors;
    const result = await evaluateDefense(defense, evaluationData(x, y), options);
    expect(tf.memory().numTensors).toBe(before);
    expect(result.results.map((r) => r.size)).toEqual([5, 2]);
    expect(result.protocol.attacks).toEqual([{
      name: 'pgd-eot', settings: { steps: 3, stepSize: null, eot: 2, randomStart: true, chunkSize: 3 },
      description: `PGD+EOT (3 steps, EOT 2), ${defense.surface.description}`,
    }]);
    expect(result.defense).toEqual(defense.describe());
    // the clean predictions are the defense's own, with the evaluator's per-batch classify seed
    const labels = Array.from(y.dataSync());
    const expectedClean = result.results.flatMap((r) => {
      const xb = tf.slice(x, r.batch * 5, r.size) as Images;
      const seed = seedStream(3).fork(`batch ${r.batch}`).nextSeed();
      const predicted = tf.tidy(() => Array.from(tf.argMax(f.dad.branch(xb, true, seed), 1).dataSync()));
      xb.dispose();
      return predicted;
    });
    const samples = result.results.flatMap((r) => r.samples);
    expect(samples.map((s) => s.clean)).toEqual(expectedClean);
    expect(samples.map((s) => s.label)).toEqual(labels);
    expect(result.clean.successes).toBe(expectedClean.filter((p, i) => p === labels[i]).length);
    expect(samples.every((s) => !s.robust || (s.clean === s.label && s.adversarial === s.label))).toBe(true);
    expect(result.robust.successes).toBeLessThanOrEqual(result.clean.successes);
    // the attack goes through the denoiser: at ε = 0.2 it breaks every image of the tiny fixture (all 7 clean-correct)
    expect([result.clean.successes, result.robust.successes]).toEqual([7, 0]);
    expect(samples.every((s) => s.brokenBy?.attack === 'pgd-eot')).toBe(true);
    expect(result.results.every((r) => JSON.stringify(r.info.clean) === '{}' && r.info.adversarial.every((a) => JSON.stringify(a.info) === '{}'))).toBe(true);
    // seeded: a second run gives the same per-image outcomes
    const again = await evaluateDefense(defense, evaluationData(x, y), options);
    expect(again.results.flatMap((r) => r.samples)).toEqual(samples);
    tf.dispose([x, y]);
  });

  it('takes the dad-adaptive attack as a transfer from the routing mode (same parts and θ)', () => {
    const attack = dadAdaptiveEvaluationAttack({ objectives: ['threshold', 'detect'], steps: 2, eot: 1 });
    const always = f.dad.asDefense({ mode: 'always-denoise', label: 'DAD-D' });
    const routing = f.dad.asDefense();
    expect(() => attack.check(always, 'attacks[0]')).not.toThrow();
    expect(attack.describe(always)).toMatch(/transfer: crafted against DAD in routing mode/);
    expect(attack.describe(routing)).not.toMatch(/transfer/);
    const x = tf.slice(f.x, 0, 10) as Images;
    const y = tf.slice(f.y, 0, 10) as Labels;
    const context = { threat: { norm: 'linf', eps: 0.1 }, seed: 5 } as const;
    const fromAlways = attack.run(always, x, y, context);
    const fromRouting = attack.run(routing, x, y, context);
    expect(fromAlways.map((c, i) => maxDiff(c, fromRouting[i] as Images))).toEqual([0, 0]);
    tf.dispose([x, y, ...fromAlways, ...fromRouting]);
    const short = tf.slice(f.x, 0, 3) as Images;
    const shortY = tf.slice(f.y, 0, 3) as Labels;
    const before = tf.memory().numTensors;
    expect(expectRobustError(() => attack.run(always, short, shortY, context)).code).toBe('SHAPE_MISMATCH');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([short, shortY]);
  });

  it('rejects a bad mode, objectives, seeds and batches before any work', () => {
    const e1 = expectRobustError(() => f.dad.asDefense({ mode: 'always' as never }));
    expect(e1.code).toBe('INVALID_ARGUMENT');
    expect(e1.message).toMatch(/Option 'mode' passed to 'DadDefense.asDefense' must be one of 'routing', 'always-denoise', got "always"/);
    const e2 = expectRobustError(() => f.dad.asDefense({ mode: 'always-denoise', objectives: ['evade'] }));
    expect(e2.message).toMatch(/'objectives'.*mode 'routing' only/);
    expect(expectRobustError(() => f.dad.asDefense({ mode: 'always-denoise', settings: { noiseStd: 1 } })).message).toMatch(/must not set 'noiseStd'/);
    expect(expectRobustError(() => f.dad.asDefense({ mode: 'always-denoise', label: '' })).code).toBe('INVALID_ARGUMENT');
    const defense = f.dad.asDefense({ mode: 'always-denoise' });
    const x = tf.slice(f.x, 0, 2) as Images;
    const wrong = tf.zeros([2, 4, 4, 1]) as Images;
    const flat = tf.zeros([8, 8, 1]);
    const empty = tf.zeros([0, 8, 8, 1]) as Images;
    const bright = tf.fill([1, 8, 8, 1], 2) as Images;
    const before = tf.memory().numTensors;
    expect(expectRobustError(() => defense.classify(x, { seed: 0 })).message).toMatch(/'seed'.*classify/);
    expect(expectRobustError(() => defense.classify(x, { seed: 1, keep: true } as never)).code).toBe('UNKNOWN_OPTION');
    const e3 = expectRobustError(() => defense.classify(wrong, { seed: 1 }));
    expect(e3.code).toBe('SHAPE_MISMATCH');
    expect(e3.message).toMatch(/'x' passed to 'DadDefense.asDefense\(\).classify'.*\[8,8,1\]/);
    expect(expectRobustError(() => defense.classify(flat as never, { seed: 1 })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => defense.classify(empty, { seed: 1 })).code).toBe('EMPTY_INPUT');
    expect(expectRobustError(() => defense.classify(bright, { seed: 1 })).message).toMatch(/\[0,1\]|range/);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, wrong, flat, empty, bright]);
  });
});
