import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { RobustError } from '@robustjs/core';
import type { Attack, Classifier, Images, Labels } from '@robustjs/core';
import { expectNoLeakAsync } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateRobustness } from './evaluateRobustness';
import type { RobustnessProgress } from './evaluateRobustness';
import { fgsm } from './fgsm';
import { pgd } from './pgd';
import { randomLinear, type LinearModel } from '../test/models';

function accuracy(model: Classifier, x: Images, y: Labels): boolean[] {
  return tf.tidy(() => Array.from(tf.equal(tf.argMax(model(x), 1), y).dataSync(), (v) => v === 1));
}

describe('evaluateRobustness', () => {
  let lin: LinearModel;
  let x: Images;
  let y: Labels;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    lin = randomLinear(16, 4, 9, 1);
    x = tf.randomUniform([50, 4, 4, 1], 0, 1, 'float32', 4) as Images;
    const pred = tf.tidy(() => tf.argMax(lin.model(x), 1));
    y = tf.tidy(() => tf.where(tf.equal(tf.mod(tf.range(0, 50, 1, 'int32'), 7), 0), tf.cast(tf.mod(tf.add(pred, 1), 4), 'int32'), pred)) as Labels;
    pred.dispose();
  });
  afterAll(() => {
    tf.dispose([x, y]);
    lin.dispose();
  });

  it('is the per-sample worst case over attacks, each run only on points still correct', async () => {
    const eps = 0.1;
    const calls: Array<{ name: string; n: number }> = [];
    const spy = (name: string, attack: Attack<never>): Attack<never> =>
      ((m: Classifier, xb: Images, yb: Labels, o: never) => { calls.push({ name, n: xb.shape[0] }); return (attack as (...a: unknown[]) => Images)(m, xb, yb, o); }) as Attack<never>;
    const progress: RobustnessProgress[] = [];
    const report = await expectNoLeakAsync(() =>
      evaluateRobustness(
        lin.model,
        { x, y },
        [
          { name: 'fgsm', attack: spy('fgsm', fgsm as Attack<never>), options: { eps } },
          { name: 'pgd', attack: spy('pgd', pgd as Attack<never>), options: { eps, stepSize: eps / 4, steps: 20, seed: 3 } },
        ],
        { norm: 'linf', eps, steps: 20, seeds: [3] },
        { batchSize: 16, onProgress: (p) => progress.push(p) },
      ),
    );
    // Expected from running each attack on everything.
    const clean = accuracy(lin.model, x, y);
    const xf = fgsm(lin.model, x, y, { eps });
    const xp = pgd(lin.model, x, y, { eps, stepSize: eps / 4, steps: 20, seed: 3 });
    const okF = accuracy(lin.model, xf, y);
    const okP = accuracy(lin.model, xp, y);
    tf.dispose([xf, xp]);
    const worst = clean.map((c, i) => c && okF[i] && okP[i]);
    expect(report.cleanAccuracy).toBeCloseTo(clean.filter(Boolean).length / 50, 10);
    expect(report.robustAccuracy).toBeCloseTo(worst.filter(Boolean).length / 50, 10);
    expect(report.robustAccuracy).toBeLessThan(report.cleanAccuracy);
    expect(report.samples.map((s) => s.robust)).toEqual(worst);
    // fgsm saw the clean-correct points; pgd only those fgsm left correct.
    const afterFgsm = clean.filter((c, i) => c && okF[i]).length;
    expect(afterFgsm).toBeLessThan(clean.filter(Boolean).length);
    expect(calls.filter((c) => c.name === 'fgsm').reduce((s, c) => s + c.n, 0)).toBe(clean.filter(Boolean).length);
    expect(calls.filter((c) => c.name === 'pgd').reduce((s, c) => s + c.n, 0)).toBe(afterFgsm);
    expect(report.attacks.map((a) => a.attacked)).toEqual([clean.filter(Boolean).length, afterFgsm]);
    expect(progress.at(-1)).toEqual({ attack: 'pgd', done: afterFgsm, total: afterFgsm });
    expect(progress.every((p) => p.done <= p.total)).toBe(true);
    for (const s of report.samples) if (s.brokenBy !== undefined) expect(s.adversarialPrediction).not.toBe(s.label);
    expect(report.protocol).toMatchObject({ norm: 'linf', eps, steps: 20, seeds: [3], numImages: 50, backend: 'wasm' });
    expect(report.protocol.attacks).toEqual([{ name: 'fgsm', options: { eps } }, { name: 'pgd', options: { eps, stepSize: eps / 4, steps: 20, seed: 3 } }]);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('rejects an attack whose output leaves the protocol eps-ball', async () => {
    await expect(
      evaluateRobustness(lin.model, { x, y }, [{ name: 'too-big', attack: fgsm as Attack<never>, options: { eps: 0.1 } }], { norm: 'linf', eps: 0.03 }),
    ).rejects.toThrow(/Attack 'too-big' passed to 'evaluateRobustness' returned images outside/);
  });

  it('rejects bad arguments with RobustError', async () => {
    await expect(evaluateRobustness(lin.model, { x, y }, [], { norm: 'linf', eps: 0.03 })).rejects.toBeInstanceOf(RobustError);
    await expect(
      evaluateRobustness(lin.model, { x, y }, [{ name: 'a', attack: fgsm as Attack<never> }, { name: 'a', attack: fgsm as Attack<never> }], { norm: 'linf', eps: 0.03 }),
    ).rejects.toThrow(/unique names/);
    await expect(evaluateRobustness(lin.model, { x, y }, [{ name: 'a', attack: fgsm as Attack<never> }], { norm: 'l3' as never, eps: 0.03 })).rejects.toThrow(/'norm'/);
    await expect(
      evaluateRobustness(lin.model, { x, y }, [{ name: 'a', attack: fgsm as Attack<never> }], { norm: 'linf', eps: 0.03 }, { batch: 3 } as never),
    ).rejects.toThrow(/Unknown option 'batch'/);
  });
});
