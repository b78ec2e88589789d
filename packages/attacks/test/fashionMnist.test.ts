import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, type Classifier, type Images, type Labels } from '@robustjs/core';
import { balancedSubset, toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { referenceClassifier } from '@robustjs/zoo/node';
import { autoAttack, pgd } from '../src/index';

// End to end on real data: the zoo's reference CNN (trained by `npm run train -w @robustjs/zoo`) on a fixed,
// seeded, class-balanced subset of 200 Fashion-MNIST test images (20 per class), l_inf eps 0.1.
const EPS = 0.1;

function accuracy(model: Classifier, x: Images, y: Labels): number {
  return tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model(x), 1), y), 'float32')).dataSync()[0] as number);
}

function maxPerturbation(a: Images, b: Images): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number);
}

describe('attacks on the zoo CNN trained on Fashion-MNIST (200 test images, l_inf eps 0.1)', () => {
  let model: Classifier;
  let x: Images;
  let y: Labels;
  let clean: number;
  let pgdAccuracy: number;
  let pgdMaxPerturbation: number;

  beforeAll(async () => {
    await initBackend();
    model = await referenceClassifier();
    const test = await loadFashionMnist({ split: 'test' });
    const subset = balancedSubset(test, { perClass: 20, seed: 0 });
    ({ x, y } = toTensors(subset) as { x: Images; y: Labels });
    clean = accuracy(model, x, y);
    const adv = pgd(model, x, y, { eps: EPS, stepSize: 0.01, steps: 40, norm: 'linf', seed: 0 });
    pgdAccuracy = accuracy(model, adv, y);
    pgdMaxPerturbation = maxPerturbation(adv, x);
    adv.dispose();
    console.info(`clean accuracy ${clean.toFixed(3)}, PGD-40 robust accuracy ${pgdAccuracy.toFixed(3)}`);
  });
  afterAll(() => tf.dispose([x, y]));

  it('PGD-40 (step 0.01, random start) drives the accuracy below 5 %', () => {
    expect(x.shape).toEqual([200, 28, 28, 1]);
    expect(clean).toBeGreaterThan(0.8);
    expect(pgdMaxPerturbation).toBeLessThanOrEqual(EPS + 1e-6);
    expect(pgdAccuracy).toBeLessThan(0.05);
  });

  it('AutoAttack standard (APGD-CE, APGD-T, Square) is at least as strong as PGD-40 on the same set', () => {
    const adv = autoAttack(model, x, y, { eps: EPS, norm: 'linf', version: 'standard', steps: 20, queries: 100, seed: 0 });
    const aaAccuracy = accuracy(model, adv, y);
    expect(maxPerturbation(adv, x)).toBeLessThanOrEqual(EPS + 1e-6);
    adv.dispose();
    console.info(`AutoAttack standard (20 APGD steps, 100 Square queries) robust accuracy ${aaAccuracy.toFixed(3)}`);
    expect(aaAccuracy).toBeLessThanOrEqual(pgdAccuracy);
  });
});
