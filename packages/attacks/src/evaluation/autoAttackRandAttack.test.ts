import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { seedStream, type Defense, type Images, type Labels } from '@robustjs/core';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomLinear, type LinearModel } from '../../test/models';
import { autoAttack } from '../autoAttack';
import { eot } from '../eot';
import { autoAttackRandAttack } from './autoAttackRandAttack';
import { undefended } from './undefended';

/** Seeded Gaussian noise then the classifier: a randomized defense written in the test. */
function noisy(lin: LinearModel, minBatchSize = 1): Defense {
  const model = (x: Images, seed: number) =>
    tf.tidy(() => lin.model(tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.05, 'float32', seed)), 0, 1) as Images));
  return {
    ...undefended(lin.model),
    label: 'Noise',
    surface: {
      model, randomized: true, gradient: 'exact', description: 'noise then classifier', terms: {},
      recommendedAttacks: [{ name: 'pgd-eot' }], minBatchSize,
    },
  };
}

describe('autoAttackRandAttack', () => {
  let lin: LinearModel;
  let x: Images;
  let y: Labels;
  const threat = { norm: 'linf', eps: 0.1 } as const;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    lin = randomLinear(16, 4, 9, 1);
    x = tf.randomUniform([12, 4, 4, 1], 0, 1, 'float32', 4) as Images;
    y = tf.tidy(() => tf.argMax(lin.model(x), 1).toInt()) as Labels;
  });
  afterAll(() => {
    tf.dispose([x, y]);
    lin.dispose();
  });

  it('is AutoAttack rand on the EOT-averaged surface, chunk by chunk, within the ball and [0,1]', () => {
    const defense = noisy(lin);
    const attack = autoAttackRandAttack({ steps: 5, eot: 3, chunkSize: 8 });
    expectNoLeak(() => attack.run(defense, x, y, { threat, seed: 7 })); // frees what it does not return
    const [xAdv] = attack.run(defense, x, y, { threat, seed: 7 });
    expect(xAdv!.shape).toEqual(x.shape);
    const [dist, lo, hi] = tf.tidy(() => [tf.max(tf.abs(tf.sub(xAdv!, x))), tf.min(xAdv!), tf.max(xAdv!)]
      .map((t) => t.dataSync()[0] as number));
    expect(dist).toBeLessThanOrEqual(0.1 + 1e-6);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    // chunk 0 by hand: seed = the stream's first nextSeed, EOT model seeded by it
    const chunkSeed = seedStream(7).nextSeed();
    const model = eot(defense.surface.model, { samples: 3, seed: chunkSeed });
    const direct = tf.tidy(() => {
      const xb = tf.slice(x, [0, 0, 0, 0], [8, -1, -1, -1]) as Images;
      const yb = tf.slice(y, [0], [8]) as Labels;
      return Array.from(autoAttack(model, xb, yb, { eps: 0.1, version: 'rand', steps: 5, seed: chunkSeed }).dataSync());
    });
    const got = tf.tidy(() => Array.from(tf.slice(xAdv!, [0, 0, 0, 0], [8, -1, -1, -1]).dataSync()));
    expect(got).toEqual(direct);
    const [again] = attack.run(defense, x, y, { threat, seed: 7 });
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(again!, xAdv!))).dataSync()[0])).toBe(0);
    tf.dispose([xAdv!, again!]);
    expect(attack.describe(defense)).toContain('APGD-CE then APGD-DLR, 5 steps each, EOT 3');
    expect(attack.settings).toEqual({ steps: 5, eot: 3, chunkSize: 8, fidelity: 'reference' });
  });

  it('lowers the accuracy of the undefended classifier', () => {
    const [xAdv] = autoAttackRandAttack({ steps: 10 }).run(undefended(lin.model), x, y, { threat, seed: 1 });
    const wrong = tf.tidy(() => tf.sum(tf.notEqual(tf.argMax(lin.model(xAdv!), 1), y).toInt()).dataSync()[0] as number);
    xAdv!.dispose();
    expect(wrong).toBeGreaterThan(0);
  });

  it('rejects bad options, surfaces without gradient and batch defenses', () => {
    for (const bad of [{ steps: 0 }, { eot: 1.5 }, { chunkSize: 0 }, { fidelity: 'best' }, { restarts: 2 }]) {
      expectRobustError(() => autoAttackRandAttack(bad as never));
    }
    const attack = autoAttackRandAttack();
    const noGrad = { ...noisy(lin), surface: { ...noisy(lin).surface, gradient: 'none' as const } };
    expect(expectRobustError(() => attack.check(noGrad, 'attacks[0]')).message).toContain("gradient 'none'");
    expect(expectRobustError(() => attack.check(noisy(lin, 10), 'attacks[0]')).message).toContain('whole batches of at least 10');
  });
});
