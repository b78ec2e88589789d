import * as tf from '@tensorflow/tfjs';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { expectAttackConforms, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import {
  chainGradient,
  diffAttack,
  diffPgdAttack,
  undefended,
  type EvaluationAttack,
} from '@robustjs/attacks';
import { images, lazyTinyUnet, useWasm } from '../test/helpers';
import { diffPure, gdmp } from './purifiers/factories';
import type { ChainStep } from './purifiers/chain';
import { fromDiffusionRange, toDiffusionRange } from './qSample';
import { linearSchedule } from './schedule';
import { purifierDefense } from './purifierDefense';

useWasm();

const SIZE = 8;
const schedule = linearSchedule();
const tiny = lazyTinyUnet(SIZE);
afterAll(() => tiny.dispose());

const classifier: Classifier = (x) =>
  tf.tidy(
    () =>
      tf.matMul(
        tf.reshape(x, [x.shape[0], -1]),
        tf.randomNormal([SIZE * SIZE, 3], 0, 1, 'float32', 4),
      ) as tf.Tensor2D,
  );
const ce =
  (y: Labels) =>
  (u: tf.Tensor4D): tf.Scalar =>
    tf.losses.softmaxCrossEntropy(
      tf.oneHot(y, 3),
      classifier(fromDiffusionRange(u)),
      undefined,
      undefined,
      tf.Reduction.SUM,
    ) as tf.Scalar;

/** J(x) by plain backpropagation through the whole chain (the reference). */
function fullGradient(
  x: Images,
  ref: Images,
  steps: readonly ChainStep[],
  y: Labels,
  alpha: number,
): Images {
  return tf.tidy(
    () =>
      tf.grad((xx: tf.Tensor) => {
        const u0 = toDiffusionRange(xx as Images);
        const r0 = toDiffusionRange(ref);
        let u = u0;
        let r = r0;
        let total = tf.scalar(0);
        for (const s of steps) {
          u = s(u, u0);
          r = s(r, r0);
          total = tf.add(
            total,
            tf.mul(alpha, tf.sum(tf.mean(tf.squaredDifference(u, r), [1, 2, 3]))),
          );
        }
        return tf.add(total, ce(y)(u));
      })(x) as Images,
  );
}

function relErr(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.norm(tf.sub(a, b)).dataSync()[0]! / tf.norm(b).dataSync()[0]!);
}

describe('chainGradient', () => {
  const cases: [string, () => { steps: readonly ChainStep[]; segment: number }][] = [
    [
      'DiffPure (4 chain steps, segments of 2)',
      () => ({
        steps: diffPure(tiny.model().predict, schedule, { t: 20, steps: 3 }).chain(2, 5),
        segment: 2,
      }),
    ],
    [
      'guided GDMP (2 stages × 3 steps, segments of 3)',
      () => ({
        steps: gdmp(tiny.model().predict, schedule, { t: 10, steps: 2, iterations: 2 }).chain(2, 5),
        segment: 3,
      }),
    ],
  ];
  for (const [name, make] of cases) {
    it(`equals full backpropagation through the same chain to 1e-4 relative: ${name}`, () => {
      const x = images(2, SIZE, 3);
      const ref = images(2, SIZE, 4);
      const y = tf.tensor1d([0, 2], 'int32');
      const { steps, segment } = make();
      for (const alpha of [0, 0.5]) {
        const full = fullGradient(x, ref, steps, y, alpha);
        const err = expectNoLeak(() => {
          const seg = chainGradient(x, steps, {
            segment,
            final: ce(y),
            reference: ref,
            deviation: alpha,
          });
          return { err: relErr(seg, full), seg };
        }).err;
        expect(tf.norm(full).dataSync()[0]).toBeGreaterThan(0);
        expect(err).toBeLessThan(1e-4);
        full.dispose();
      }
      tf.dispose([x, ref, y]);
    });
  }

  it('keeps peak tensor bytes bounded by the segment, not the chain length', () => {
    const x = images(2, SIZE, 3);
    const y = tf.tensor1d([0, 2], 'int32');
    /**
     * Peak tensor bytes above the start, sampled (tf.memory()) after every step and in the final
     * loss.
     */
    const peak = (steps: number, segment: number): number => {
      const chain = diffPure(tiny.model().predict, schedule, { t: 40, steps }).chain(2, 5);
      return measure(chain, segment);
    };
    function measure(chain: readonly ChainStep[], segment: number): number {
      const before = tf.memory().numBytes;
      let high = before;
      const watched = chain.map(
        (s): ChainStep =>
          Object.assign(
            (u: tf.Tensor4D, g: tf.Tensor4D) => {
              const out = s(u, g);
              high = Math.max(high, tf.memory().numBytes);
              return out;
            },
            { usesGuide: s.usesGuide },
          ),
      );
      const final = (u: tf.Tensor4D): tf.Scalar => {
        high = Math.max(high, tf.memory().numBytes);
        return ce(y)(u);
      };
      const g = chainGradient(x, watched, { segment, final, reference: x, deviation: 1 });
      g.dispose();
      return high - before;
    }
    const short = peak(3, 2); // 4 chain steps
    const long = peak(11, 2); // 12 chain steps
    const fullShort = peak(3, 4);
    const fullLong = peak(11, 12);
    expect(long).toBeLessThan(short * 1.5);
    expect(fullLong).toBeGreaterThan(fullShort * 2);
    tf.dispose([x, y]);
  });

  it('throws a RobustError for a segment that does not divide the chain, before any work', () => {
    const x = images(2, SIZE, 3);
    const steps = diffPure(tiny.model().predict, schedule, { t: 20, steps: 3 }).chain(2, 5);
    const before = tf.memory().numTensors;
    const e = expectRobustError(() =>
      chainGradient(x, steps, { segment: 3, final: (u: tf.Tensor4D) => tf.sum(u) }),
    );
    expect(e.message).toMatch(/'segment'.*'chainGradient'.*4 steps.*got 3.*1, 2, 4/s);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});

describe('surface.diffusion of purifierDefense', () => {
  it('runs the chain of surface.model: classifier(clip((u_L + 1)/2)) equals model(x, seed)', () => {
    const p = diffPure(tiny.model().predict, schedule, { t: 20, steps: 3 });
    const defense = purifierDefense(classifier, p);
    const chain = defense.surface.diffusion!;
    expect([chain.length, chain.tStar, chain.T]).toEqual([4, 20, schedule.T]);
    const x = images(2, SIZE, 3);
    const [a, b] = tf.tidy(() => {
      const u0 = toDiffusionRange(x);
      const uL = chain.chain(2, 9).reduce((u, s) => s(u, u0), u0);
      return [chain.classifier(fromDiffusionRange(uL)), defense.surface.model(x, 9)];
    });
    expect(relErr(a!, b!)).toBeLessThan(1e-6);
    expect(chain.sdedit(2, 9, 10, 2)).toHaveLength(3);
    tf.dispose([a, b, x]);
  });

  it('is absent around a user purifier without a chain', () => {
    const own = { purify: (x: Images) => tf.clone(x) };
    expect(purifierDefense(classifier, own).surface.diffusion).toBeUndefined();
  });
});

const threats = [
  { norm: 'linf', eps: 0.1 },
  { norm: 'l2', eps: 0.5 },
] as const;
const attacks: [string, () => EvaluationAttack][] = [
  ['diffattack', () => diffAttack({ steps: 2, segment: 2, eot: 2, chunkSize: 2 })],
  ['diff-pgd v1', () => diffPgdAttack({ steps: 2, ddimSteps: 2, eot: 2, chunkSize: 2 })],
  ['diff-pgd v2', () => diffPgdAttack({ steps: 2, ddimSteps: 2, version: 'v2', chunkSize: 2 })],
];

describe.each(attacks)('%s on purifierDefense(DiffPure)', (_name, make) => {
  const defense = () =>
    purifierDefense(classifier, diffPure(tiny.model().predict, schedule, { t: 20, steps: 3 }));
  it.each(threats)(
    'stays within the $norm ball and [0,1], is seeded, and leaks nothing',
    (threat) => {
      const x = images(3, SIZE, 3);
      const y = tf.tensor1d([0, 1, 2], 'int32');
      expectAttackConforms(make(), defense(), x, y, threat);
      tf.dispose([x, y]);
    },
  );

  it('refuses a defense without surface.diffusion, naming the attack and the defense', () => {
    const attack = make();
    const e = expectRobustError(() => attack.check(undefended(classifier), 'attacks[1]'));
    expect(e.message).toMatch(/'attacks\[1\]'.*(diffattack|diff-pgd).*'Undefended'/s);
    const x = images(2, SIZE, 3);
    const y = tf.tensor1d([0, 1], 'int32');
    const before = tf.memory().numTensors;
    expectRobustError(() =>
      attack.run(undefended(classifier), x, y, { threat: threats[0], seed: 1 }),
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});

describe('diffAttack segment check', () => {
  it('refuses a segment that does not divide the chain, in check and before work in run', () => {
    const d = purifierDefense(
      classifier,
      diffPure(tiny.model().predict, schedule, { t: 20, steps: 3 }),
    );
    const attack = diffAttack({ segment: 3 });
    const e = expectRobustError(() => attack.check(d, 'attacks[0]'));
    expect(e.message).toMatch(
      /'segment'.*'diffAttack \(attack 'attacks\[0\]', defense 'DiffPure'\)'.*4 steps.*got 3/s,
    );
    const x = images(2, SIZE, 3);
    const y = tf.tensor1d([0, 1], 'int32');
    const before = tf.memory().numTensors;
    expectRobustError(() => attack.run(d, x, y, { threat: threats[0], seed: 1 }));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});
