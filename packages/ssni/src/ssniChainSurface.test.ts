import * as tf from '@tensorflow/tfjs';
import { diffAttack, diffPgdAttack } from '@robustjs/attacks';
import type { Images, Labels } from '@robustjs/core';
import { diffPure, fromDiffusionRange, gdmp, linearSchedule } from '@robustjs/diffusion';
import { toDiffusionRange } from '@robustjs/diffusion';
import { expectAttackConforms, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { gaussianEpsilon, images, linearClassifier, useWasm } from '../test/helpers';
import { calibrate } from './calibration';
import { ssniDefense } from './ssniDefense';
import { ssniPurifier } from './ssniPurifier';
import { timestepPurifier } from './timestepPurifier';

useWasm();

const schedule = linearSchedule();
const gauss = gaussianEpsilon(schedule, 0, 0.5);
const classifier = (x: Images) => linear.classifier(x);
let linear: ReturnType<typeof linearClassifier>;
beforeAll(() => {
  linear = linearClassifier(8);
});

function ssniOf(base: ReturnType<typeof diffPure>) {
  const ref = images(16, 8, 11);
  const calibration = calibrate(gauss, schedule, ref, { steps: 4, seed: 2 });
  ref.dispose();
  return ssniPurifier(base, gauss, calibration, { bias: 2 });
}
const batch = (): { x: Images; y: Labels } => ({
  x: images(3, 8, 12),
  y: tf.tensor1d([0, 1, 2], 'int32'),
});
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!) / Math.max(1e-6, Math.abs(b[i]!)));
  return m;
};

describe('surface.diffusion of ssniDefense', () => {
  it.each([
    ['DiffPure', () => diffPure(gauss, schedule, { t: 20, steps: 4 })],
    ['GDMP', () => gdmp(gauss, schedule, { t: 20, steps: 4, iterations: 2 })],
  ] as const)(
    'runs the chain of surface.model with t(x) of the iterate (%s)',
    (_name, make) => {
      const ssni = ssniOf(make());
      const defense = ssniDefense(classifier, ssni, { surrogateSteps: ssni.base.settings.stages.map(() => 2) });
      const chain = defense.surface.diffusion!;
      expect(chain.inputDependent).toBe(true);
      expect(chain.tStar).toBe(20);
      const { x, y } = batch();
      const [a, b] = expectNoLeak(() => {
        const [la, lb] = tf.tidy(() => {
          const u0 = toDiffusionRange(x);
          const steps = chain.chain(3, 7, x);
          expect(steps).toHaveLength(chain.length);
          const uL = steps.reduce((u, s) => s(u, u0), u0);
          return [chain.classifier(fromDiffusionRange(uL)), defense.surface.model(x, 7)];
        });
        const out = [la!.dataSync().slice(), lb!.dataSync().slice()];
        tf.dispose([la!, lb!]);
        return out;
      });
      expect(maxRel(a!, b!)).toBeLessThan(1e-5);
      // t(x) differs between images: the chain is not the base's fixed-t* chain
      const ts = ssni.timesteps(ssni.norms(x))[0]!;
      expect(Math.min(...ts)).toBeLessThan(20 + 2);
      tf.dispose([x, y]);
    },
  );

  it('needs x: a missing batch or one of another size is a RobustError before any work', () => {
    const defense = ssniDefense(classifier, ssniOf(diffPure(gauss, schedule, { t: 20, steps: 4 })));
    const chain = defense.surface.diffusion!;
    const x = images(2, 8, 3);
    const before = tf.memory().numTensors;
    expect(expectRobustError(() => chain.chain(2, 1)).message).toMatch(/'x'.*required.*t\(x\)/s);
    expect(expectRobustError(() => chain.chain(3, 1, x)).message).toMatch(/n = 3 images.*\[2,8,8,1\]/s);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('is absent around a plain timestep purifier (no step chain): DiffAttack refuses it', () => {
    const plain = timestepPurifier((x) => tf.clone(x), { tStar: 20, T: schedule.T });
    const ref = images(16, 8, 11);
    const calibration = calibrate(gauss, schedule, ref, { steps: 4, seed: 2 });
    ref.dispose();
    const ssni = ssniPurifier(plain, gauss, calibration, { process: schedule, extraSteps: 0 });
    const defense = ssniDefense(classifier, ssni);
    expect(defense.surface.diffusion).toBeUndefined();
    const e = expectRobustError(() => diffAttack().check(defense, 'attacks[1]'));
    expect(e.message).toMatch(/'attacks\[1\]' \(diffattack\).*'Purifier \+ SSNI-N'/s);
  });
});

describe.each([
  ['diffattack', () => diffAttack({ steps: 2, segment: 1, eot: 2, chunkSize: 2 })],
  ['diff-pgd v1', () => diffPgdAttack({ steps: 2, ddimSteps: 2, eot: 2, chunkSize: 2 })],
  ['diff-pgd v2', () => diffPgdAttack({ steps: 2, ddimSteps: 2, version: 'v2', chunkSize: 2 })],
] as const)('%s on ssniDefense(DiffPure)', (_name, make) => {
  it.each([
    { norm: 'linf', eps: 0.1 },
    { norm: 'l2', eps: 0.5 },
  ] as const)('stays within the $norm ball and [0,1], is seeded, and leaks nothing', (threat) => {
    const base = diffPure(gauss, schedule, { t: 20, steps: 4 });
    const defense = ssniDefense(classifier, ssniOf(base), { surrogateSteps: [2] });
    const { x, y } = batch();
    expectAttackConforms(make(), defense, x, y, threat);
    tf.dispose([x, y]);
  });
});
