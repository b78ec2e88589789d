import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { RobustError } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apgd, apgdT, autoAttack, cw, fabT, fgsm, mma, pgd, square } from '../src/index';
import { tinyCnn } from './models';

type AnyAttack = (m: Classifier, x: Images, y: Labels, o?: object) => Images;
const attacks: Array<[string, AnyAttack]> = [
  ['fgsm', fgsm as AnyAttack],
  ['pgd', pgd as AnyAttack],
  ['mma', mma as AnyAttack],
  ['apgd', apgd as AnyAttack],
  ['apgdT', apgdT as AnyAttack],
  ['square', square as AnyAttack],
  ['autoAttack', autoAttack as AnyAttack],
  ['cw', cw as AnyAttack],
  ['fabT', fabT as AnyAttack],
];

function expectRobustError(fn: () => unknown, code: string, ...words: string[]): void {
  let caught: unknown;
  try {
    tf.dispose(fn() as tf.Tensor);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(RobustError);
  expect((caught as RobustError).code).toBe(code);
  for (const w of words) expect((caught as RobustError).message).toContain(w);
}

describe('attacks reject bad input before any work', () => {
  let net: ReturnType<typeof tinyCnn>;
  let x: Images;
  let y: Labels;
  beforeAll(async () => {
    await tf.setBackend('wasm');
    net = tinyCnn(4, 1, 5, 1);
    x = tf.randomUniform([3, 4, 4, 1], 0, 1, 'float32', 1) as Images;
    y = tf.tensor1d([0, 1, 4], 'int32');
  });
  afterAll(() => {
    net.dispose();
    tf.dispose([x, y]);
  });

  for (const [name, attack] of attacks) {
    it(`${name}: eps < 0 names 'eps' and '${name}'`, () => {
      expectRobustError(() => attack(net.model, x, y, { eps: -0.1 }), 'OUT_OF_RANGE', "'eps'", `'${name}'`);
    });
    it(`${name}: labels out of range name 'y'`, () => {
      const bad = tf.tensor1d([0, 1, 5], 'int32');
      expectRobustError(() => attack(net.model, x, bad), 'OUT_OF_RANGE', "'y'", `'${name}'`, '[0, 5)');
      bad.dispose();
    });
    it(`${name}: a batch mismatch names 'y'`, () => {
      const bad = tf.tensor1d([0, 1], 'int32');
      expectRobustError(() => attack(net.model, x, bad), 'SHAPE_MISMATCH', "'y'", `'${name}'`);
      bad.dispose();
    });
    it(`${name}: NaN input names 'x'`, () => {
      const bad = tf.tidy(() => tf.where(tf.greater(x, 0.5), tf.fill(x.shape, NaN), x)) as Images;
      expectRobustError(() => attack(net.model, bad, y), 'NOT_FINITE', "'x'", `'${name}'`);
      bad.dispose();
    });
    it(`${name}: a disposed x or y names the argument (#24: was a TypeError)`, () => {
      const gone = tf.clone(x) as Images;
      gone.dispose();
      const words = [`'${name}'`, 'disposed'];
      expectRobustError(() => attack(net.model, gone, y), 'INVALID_ARGUMENT', "'x'", ...words);
      const goneY = tf.clone(y) as Labels;
      goneY.dispose();
      expectRobustError(() => attack(net.model, x, goneY), 'INVALID_ARGUMENT', "'y'", ...words);
    });
    it(`${name}: an unknown option is named with the valid ones`, () => {
      expectRobustError(() => attack(net.model, x, y, { epsilon: 0.1 }), 'UNKNOWN_OPTION', "'epsilon'", `'${name}'`, 'eps');
    });
  }

  it('pgd rejects stepSize ≤ 0, fractional steps and an unknown norm', () => {
    expectRobustError(() => pgd(net.model, x, y, { stepSize: 0 }), 'OUT_OF_RANGE', "'stepSize'", "'pgd'");
    expectRobustError(() => pgd(net.model, x, y, { steps: 2.5 }), 'INVALID_ARGUMENT', "'steps'", "'pgd'");
    expectRobustError(() => pgd(net.model, x, y, { norm: 'l1' as never }), 'INVALID_ARGUMENT', "'norm'", "'linf', 'l2'");
  });

  it('pgd rejects target labels of the wrong batch size', () => {
    const t = tf.tensor1d([1], 'int32');
    expectRobustError(() => pgd(net.model, x, y, { target: t }), 'SHAPE_MISMATCH', "'target'", "'pgd'");
    t.dispose();
  });

  it('mma rejects k ≥ K and apgdT rejects models with fewer than 4 classes', () => {
    expectRobustError(() => mma(net.model, x, y, { k: 5 }), 'OUT_OF_RANGE', "'k'", "'mma'");
    const three: Classifier = (v) => tf.slice(net.model(v), [0, 0], [-1, 3]);
    const y3 = tf.tensor1d([0, 1, 2], 'int32');
    expectRobustError(() => apgdT(three, x, y3), 'INVALID_ARGUMENT', "'apgdT'", '4 classes');
    y3.dispose();
  });

  it('square rejects fractional queries, pInit outside (0,1] and an unknown norm', () => {
    expectRobustError(() => square(net.model, x, y, { queries: 1.5 }), 'INVALID_ARGUMENT', "'queries'", "'square'");
    expectRobustError(() => square(net.model, x, y, { pInit: 0 }), 'OUT_OF_RANGE', "'pInit'", "'square'");
    expectRobustError(() => square(net.model, x, y, { norm: 'l1' as never }), 'INVALID_ARGUMENT', "'norm'", "'square'", "'linf', 'l2'");
  });

  it('cw rejects c ≤ 0, kappa < 0, lr ≤ 0, binarySearchSteps < 1 and a bad target', () => {
    expectRobustError(() => cw(net.model, x, y, { c: 0 }), 'OUT_OF_RANGE', "'c'", "'cw'");
    expectRobustError(() => cw(net.model, x, y, { kappa: -1 }), 'OUT_OF_RANGE', "'kappa'", "'cw'");
    expectRobustError(() => cw(net.model, x, y, { lr: 0 }), 'OUT_OF_RANGE', "'lr'", "'cw'");
    expectRobustError(() => cw(net.model, x, y, { binarySearchSteps: 0 }), 'OUT_OF_RANGE', "'binarySearchSteps'", "'cw'");
    const t = tf.tensor1d([1], 'int32');
    expectRobustError(() => cw(net.model, x, y, { target: t }), 'SHAPE_MISMATCH', "'target'", "'cw'");
    t.dispose();
  });

  it('fabT rejects an unknown norm, restarts < 1, eta < 1 and beta outside (0,1]', () => {
    expectRobustError(() => fabT(net.model, x, y, { norm: 'l1' as never }), 'INVALID_ARGUMENT', "'norm'", "'fabT'");
    expectRobustError(() => fabT(net.model, x, y, { restarts: 0 }), 'OUT_OF_RANGE', "'restarts'", "'fabT'");
    expectRobustError(() => fabT(net.model, x, y, { eta: 0.5 }), 'OUT_OF_RANGE', "'eta'", "'fabT'");
    expectRobustError(() => fabT(net.model, x, y, { beta: 0 }), 'OUT_OF_RANGE', "'beta'", "'fabT'");
  });

  it('autoAttack rejects an unknown version', () => {
    expectRobustError(() => autoAttack(net.model, x, y, { version: 'plus' as never }), 'INVALID_ARGUMENT', "'version'", "'standard', 'rand'");
  });

  it('apgd rejects an unknown loss', () => {
    expectRobustError(() => apgd(net.model, x, y, { loss: 'hinge' as never }), 'INVALID_ARGUMENT', "'loss'", "'ce', 'dlr'");
  });
});
