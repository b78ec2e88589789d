import * as tf from '@tensorflow/tfjs';
import { undefended } from '@robustjs/attacks';
import type { Images } from '@robustjs/core';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanImages, tinyClassifier, tinyDenoiser, tinyDetector, useWasm } from '../test/fixtures';
import { dadAdaptiveAttack, dadAdaptiveEvaluationAttack, dadDefense, type DadDefense, type Denoiser } from './index';

useWasm();

const maxDiff = (a: tf.Tensor, b: tf.Tensor): number => tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);

describe('dadAdaptiveEvaluationAttack', () => {
  let fix: Awaited<ReturnType<typeof tinyDetector>>;
  let tiny: ReturnType<typeof tinyClassifier>;
  let denoiser: Denoiser;
  let dad: DadDefense;
  beforeAll(async () => {
    fix = await tinyDetector();
    tiny = tinyClassifier();
    denoiser = tinyDenoiser(4);
    dad = dadDefense({ classifier: tiny.classifier, detector: fix.detector, denoiser, threshold: fix.threshold });
  });
  afterAll(() => {
    denoiser.dispose();
    tiny.dispose();
    fix.dispose();
  });

  it('gives, for objective i, exactly dadAdaptiveAttack with seed + i (as the CLI did), reporting progress', () => {
    const { x, y } = cleanImages(10, 43);
    const defense = dad.asDefense();
    for (const [norm, eps, stepSize] of [['linf', 0.1, null], ['l2', 0.5, 0.2]] as const) {
      const attack = dadAdaptiveEvaluationAttack({ steps: 3, eot: 2, stepSize });
      attack.check(defense, 'attacks[0]');
      const progress: number[] = [];
      const diffs = expectNoLeak(() => {
        const candidates = attack.run(defense, x, y, { threat: { norm, eps }, seed: 7, onProgress: (d) => progress.push(d) });
        expect(candidates).toHaveLength(3);
        const out = (['detect', 'evade', 'threshold'] as const).map((objective, i) => {
          const expected = dadAdaptiveAttack(dad, x, y, {
            objective, norm, eps, stepSize: stepSize ?? (2.5 * eps) / 3, steps: 3, eot: 2, randomStart: true, seed: 7 + i,
          });
          const c = candidates[i] as Images;
          expect(c.shape).toEqual(x.shape);
          const d = maxDiff(c, expected);
          expected.dispose();
          return d;
        });
        const otherSeed = dadAdaptiveAttack(dad, x, y, { objective: 'detect', norm, eps, stepSize: stepSize ?? (2.5 * eps) / 3, steps: 3, eot: 2, seed: 8 });
        expect(maxDiff(candidates[0] as Images, otherSeed)).toBeGreaterThan(0); // the seed matters: the equality above is not vacuous
        tf.dispose([...candidates, otherSeed]);
        return out;
      });
      expect(diffs).toEqual([0, 0, 0]);
      expect(progress).toEqual([3, 7, 10]);
    }
    tf.dispose([x, y]);
  });

  it('reports its settings and the CLI wording, and runs the objectives it was given', () => {
    const attack = dadAdaptiveEvaluationAttack({ objectives: ['threshold'], steps: 2, eot: 1, randomStart: false });
    expect(attack.name).toBe('dad-adaptive');
    expect(attack.settings).toEqual({ objectives: ['threshold'], steps: 2, stepSize: null, eot: 1, randomStart: false, alpha: 0.01, lambda: 100, margin: 0.9 });
    const defense = dad.asDefense();
    expect(attack.describe(defense)).toBe(
      "DAD's adaptive PGD+EOT through detector, denoiser and classifier (threshold-aware: ascend CE − 100·MMD while MMD > 0.9·θ, else CE; the most misclassifying iterate that passes)");
    expect(dadAdaptiveEvaluationAttack().describe(defense)).toBe(
      "DAD's adaptive PGD+EOT through detector, denoiser and classifier (ascend MMD + 0.01·CE; ascend CE − 100·MMD; threshold-aware: ascend CE − 100·MMD while MMD > 0.9·θ, else CE; the most misclassifying iterate that passes; worst case per image)");
    const { x, y } = cleanImages(10, 44);
    const [only, ...rest] = attack.run(defense, x, y, { threat: { norm: 'linf', eps: 0.1 }, seed: 3 });
    const expected = dadAdaptiveAttack(dad, x, y, { objective: 'threshold', eps: 0.1, stepSize: (2.5 * 0.1) / 2, steps: 2, eot: 1, randomStart: false, seed: 3 });
    expect(rest).toHaveLength(0);
    expect(maxDiff(only as Images, expected)).toBe(0);
    tf.dispose([x, y, only as Images, expected]);
  });

  it('mixed batches: fraction p controls the first round(p·B) images, each objective as dadAdaptiveAttack with controlled', () => {
    const { x, y } = cleanImages(10, 46);
    const defense = dad.asDefense();
    const attack = dadAdaptiveEvaluationAttack({ objectives: ['threshold', 'denoised'], steps: 2, eot: 1, fraction: 0.3 });
    expect(attack.controlled?.(10)).toBe(3);
    expect(attack.settings.fraction).toBe(0.3);
    expect(dadAdaptiveEvaluationAttack().settings).not.toHaveProperty('fraction');
    expect(dadAdaptiveEvaluationAttack().controlled).toBeUndefined();
    expect(attack.describe(defense)).toMatch(/mixed batches: the attacker controls the first 0.3 of each batch/);
    const candidates = attack.run(defense, x, y, { threat: { norm: 'linf', eps: 0.1 }, seed: 9 });
    (['threshold', 'denoised'] as const).forEach((objective, i) => {
      const expected = dadAdaptiveAttack(dad, x, y, { objective, steps: 2, eot: 1, stepSize: 0.125, seed: 9 + i, controlled: 3 });
      expect(maxDiff(candidates[i] as Images, expected)).toBe(0);
      expected.dispose();
    });
    tf.dispose([x, y, ...candidates]);
    for (const fraction of [0, -0.5, 1.01]) {
      expect(expectRobustError(() => dadAdaptiveEvaluationAttack({ fraction })).message).toMatch(/'fraction'/);
    }
  });

  it('rejects a defense that is not a DAD defense made by asDefense(), and bad options, before any work', () => {
    const attack = dadAdaptiveEvaluationAttack();
    const plain = undefended(tiny.classifier);
    const e1 = expectRobustError(() => attack.check(plain, 'attacks[1]'));
    expect(e1.code).toBe('INVALID_ARGUMENT');
    expect(e1.message).toMatch(/'attacks\[1\]' \(dad-adaptive\).*asDefense\(\).*'Undefended'/);
    const lookalike = { ...dad.asDefense() }; // same members, not made by asDefense()
    expect(expectRobustError(() => attack.check(lookalike, 'attacks[0]')).code).toBe('INVALID_ARGUMENT');
    const { x, y } = cleanImages(10, 45);
    const before = tf.memory().numTensors;
    expect(expectRobustError(() => attack.run(plain, x, y, { threat: { norm: 'linf', eps: 0.1 }, seed: 1 })).code).toBe('INVALID_ARGUMENT');
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    expect(expectRobustError(() => dadAdaptiveEvaluationAttack({ objectives: ['evade', 'detect', 'evade'] })).message).toMatch(/twice/);
    expect(expectRobustError(() => dadAdaptiveEvaluationAttack({ stepSize: 0 })).message).toMatch(/'stepSize'/);
    expect(expectRobustError(() => dadAdaptiveEvaluationAttack({ eot: 0 })).message).toMatch(/'eot'/);
    expect(expectRobustError(() => dadAdaptiveEvaluationAttack({ margin: 1.5 })).message).toMatch(/'margin'/);
    expect(expectRobustError(() => dadAdaptiveEvaluationAttack({ restarts: 2 } as never)).code).toBe('UNKNOWN_OPTION');
  });
});
