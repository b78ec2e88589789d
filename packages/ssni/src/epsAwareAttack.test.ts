import * as tf from '@tensorflow/tfjs';
import { ssniEpsAwareAttack, undefended } from '@robustjs/attacks';
import type { Images, Labels } from '@robustjs/core';
import { diffPure, linearSchedule, purifierDefense } from '@robustjs/diffusion';
import { expectAttackConforms, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon, images, linearClassifier, useWasm } from '../test/helpers';
import { calibrate } from './calibration';
import { epsNorm } from './epsNorm';
import { ssniDefense } from './ssniDefense';
import { ssniPurifier } from './ssniPurifier';

useWasm();

const schedule = linearSchedule();
const gauss = gaussianEpsilon(schedule, 0, 0.5);

function setup() {
  const ref = images(16, 8, 11);
  const calibration = calibrate(gauss, schedule, ref, { steps: 4, seed: 2 });
  ref.dispose();
  const base = diffPure(gauss, schedule, { t: 20, steps: 4 });
  const ssni = ssniPurifier(base, gauss, calibration, { bias: 2 });
  const { classifier } = linearClassifier(8);
  return {
    ssni,
    base,
    classifier,
    defense: ssniDefense(classifier, ssni, { surrogateSteps: [2] }),
  };
}
const batch = (): { x: Images; y: Labels } => ({
  x: images(3, 8, 12),
  y: tf.tensor1d([0, 1, 2], 'int32'),
});
const meanNorm = (n: ArrayLike<number>): number =>
  Array.from(n).reduce((a, b) => a + b, 0) / n.length;

describe('ssniDefense EPS terms', () => {
  it('equal the norms t(x) is computed from, with a gradient (exact and BPDA differ)', () => {
    const { ssni, defense } = setup();
    const { x } = batch();
    const s = ssni.settings;
    const host = epsNorm(gauss, schedule, x, {
      steps: s.epsSteps,
      seed: s.epsSeed,
      batchSize: s.batchSize,
    });
    const { epsNorm: exact, epsNormBpda: bpda } = defense.surface.terms;
    const [onTape, gExact, gBpda] = expectNoLeak(() => {
      const v = exact!.value(x);
      const ge = tf.grad((xx: tf.Tensor) => tf.sum(exact!.value(xx as Images)))(x);
      const gb = tf.grad((xx: tf.Tensor) => tf.sum(bpda!.value(xx as Images)))(x);
      const out = [Array.from(v.dataSync()), Array.from(ge.dataSync()), Array.from(gb.dataSync())];
      tf.dispose([v, ge, gb]);
      return out;
    });
    onTape!.forEach((v, i) => expect(v).toBeCloseTo(host[i]!, 4));
    expect(Math.max(...gExact!.map(Math.abs))).toBeGreaterThan(0);
    expect(Math.max(...gBpda!.map(Math.abs))).toBeGreaterThan(0);
    expect(gExact!.some((g, i) => Math.abs(g - gBpda![i]!) > 1e-6)).toBe(true);
    x.dispose();
  });
});

describe('ssniEpsAwareAttack on ssniDefense', () => {
  const threats = [
    { norm: 'linf', eps: 0.1 },
    { norm: 'l2', eps: 0.5 },
  ] as const;
  it.each(threats)(
    'stays within the $norm ball and [0,1], is seeded, and leaks nothing',
    (threat) => {
      const { defense } = setup();
      const { x, y } = batch();
      for (const epsGradient of ['exact', 'bpda'] as const) {
        const attack = ssniEpsAwareAttack({
          steps: 2,
          eot: 2,
          chunkSize: 2,
          lambda: 0.1,
          epsGradient,
        });
        expectAttackConforms(attack, defense, x, y, threat);
      }
      tf.dispose([x, y]);
    },
  );

  it('lowers the EPS norm (hence t(x)) more with a large λ than with λ = 0', () => {
    const { ssni, defense } = setup();
    const { x, y } = batch();
    const threat = { norm: 'linf', eps: 0.1 } as const;
    const run = (lambda: number): number => {
      const [adv] = ssniEpsAwareAttack({ steps: 5, lambda, randomStart: false }).run(
        defense,
        x,
        y,
        { threat, seed: 3 },
      );
      const n = meanNorm(ssni.norms(adv!));
      adv!.dispose();
      return n;
    };
    const clean = meanNorm(ssni.norms(x));
    const aware = run(1000);
    expect(aware).toBeLessThan(clean);
    expect(aware).toBeLessThan(run(0));
    tf.dispose([x, y]);
  });

  it('refuses a defense without the EPS term, naming the attack and the defense', () => {
    const { base, classifier } = setup();
    const attack = ssniEpsAwareAttack();
    const e1 = expectRobustError(() =>
      attack.check(purifierDefense(classifier, base), 'attacks[2]'),
    );
    expect(e1.message).toMatch(/'attacks\[2\]' \(ssni-eps-aware\).*'epsNorm'.*'DiffPure'/s);
    const e2 = expectRobustError(() => attack.check(undefended(classifier), 'attacks[0]'));
    expect(e2.message).toMatch(/ssni-eps-aware.*'Undefended'/s);
    const { x, y } = batch();
    const before = tf.memory().numTensors;
    expectRobustError(() =>
      attack.run(undefended(classifier), x, y, { threat: threats[0], seed: 1 }),
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('rejects bad options', () => {
    expectRobustError(() => ssniEpsAwareAttack({ lambda: -1 }));
    expectRobustError(() => ssniEpsAwareAttack({ epsGradient: 'none' as 'exact' }));
  });
});
