import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { apgd, apgdT, autoAttack, bpda, cw, eot, fabT, fgsm, mma, pgd, square } from '../src/index';
import { tinyCnn } from './models';

// Golden-value regression tests: every attack on one small fixed model (a seeded tinyCnn, 8×8×1 inputs,
// 5 classes), fixed inputs and a fixed seed, on the wasm backend (with robustjs's wasm kernel additions,
// without the optional native kernels, so the numbers do not depend on which machine has them). The
// statistics were computed by this file and pinned: a change in any attack's behaviour (a schedule, a
// step rule, a random stream) moves them. Each attack is also run twice, and the two outputs must be
// bit-identical. Refresh a row only for an intended behaviour change, and say why in the commit.

const N = 16;
const H = 8;
const K = 5;

/** What is pinned per attack: robust accuracy, mean |x_adv − x| and the largest per-sample l_inf / l_2 distance. */
interface Golden {
  readonly robustAccuracy: number;
  readonly meanAbs: number;
  readonly maxLinf: number;
  readonly maxL2: number;
}

type Run = (model: Classifier, x: Images, y: Labels) => Images;

const noisy = (m: Classifier): Classifier =>
  eot((x, seed) => m(tf.clipByValue(tf.add(x, tf.randomNormal(x.shape, 0, 0.05, 'float32', seed)), 0, 1) as Images), { samples: 3, seed: 7 });
const quantised = (m: Classifier): Classifier => (x) => m(bpda((v) => tf.div(tf.round(tf.mul(v, 8)), 8) as Images)(x));

const ATTACKS: Record<string, Run> = {
  'fgsm': (m, x, y) => fgsm(m, x, y, { eps: 0.05 }),
  'pgd linf': (m, x, y) => pgd(m, x, y, { eps: 0.05, stepSize: 0.01, steps: 10, norm: 'linf', seed: 1 }),
  'pgd l2': (m, x, y) => pgd(m, x, y, { eps: 0.5, stepSize: 0.1, steps: 10, norm: 'l2', seed: 1 }),
  'pgd + eot': (m, x, y) => pgd(noisy(m), x, y, { eps: 0.05, stepSize: 0.01, steps: 5, seed: 1 }),
  'pgd + bpda': (m, x, y) => pgd(quantised(m), x, y, { eps: 0.05, stepSize: 0.01, steps: 5, seed: 1 }),
  'mma': (m, x, y) => mma(m, x, y, { eps: 0.05, stepSize: 0.01, steps: 10, k: 3 }),
  'apgd-ce linf': (m, x, y) => apgd(m, x, y, { eps: 0.05, steps: 20, loss: 'ce', seed: 1 }),
  'apgd-dlr l2': (m, x, y) => apgd(m, x, y, { eps: 0.5, steps: 20, norm: 'l2', loss: 'dlr', seed: 1 }),
  'apgd-t linf': (m, x, y) => apgdT(m, x, y, { eps: 0.05, steps: 10, numTargets: 3, seed: 1 }),
  'square linf': (m, x, y) => square(m, x, y, { eps: 0.05, queries: 50, seed: 1 }),
  'square l2': (m, x, y) => square(m, x, y, { eps: 0.5, norm: 'l2', queries: 50, seed: 1 }),
  'cw l2': (m, x, y) => cw(m, x, y, { steps: 20, binarySearchSteps: 3 }),
  'fab-t linf': (m, x, y) => fabT(m, x, y, { steps: 10, numTargets: 3, seed: 1 }),
  'fab-t l2 (restarts)': (m, x, y) => fabT(m, x, y, { norm: 'l2', steps: 10, numTargets: 2, restarts: 2, seed: 1 }),
  'autoAttack standard linf': (m, x, y) => autoAttack(m, x, y, { eps: 0.05, steps: 10, queries: 20, seed: 1 }),
  'autoAttack rand l2': (m, x, y) => autoAttack(m, x, y, { eps: 0.5, norm: 'l2', version: 'rand', steps: 10, seed: 1 }),
};

// Measured on wasm by this file (ROBUSTJS_PRINT_GOLDEN=1 prints the rows), identical in two separate processes.
const GOLDEN: Record<string, Golden> = {
  'fgsm': { robustAccuracy: 0.3125, meanAbs: 0.0485859140753746, maxLinf: 0.050000011920928955, maxL2: 0.3978218138217926 },
  'pgd linf': { robustAccuracy: 0.3125, meanAbs: 0.046298954635858536, maxLinf: 0.050000011920928955, maxL2: 0.3924941122531891 },
  'pgd l2': { robustAccuracy: 0.125, meanAbs: 0.049458906054496765, maxLinf: 0.21137386560440063, maxL2: 0.49986279010772705 },
  'pgd + eot': { robustAccuracy: 0.4375, meanAbs: 0.03539574518799782, maxLinf: 0.050000011920928955, maxL2: 0.33425527811050415 },
  'pgd + bpda': { robustAccuracy: 0.375, meanAbs: 0.03508419916033745, maxLinf: 0.050000011920928955, maxL2: 0.33011502027511597 },
  'mma': { robustAccuracy: 0.3125, meanAbs: 0.04689839109778404, maxLinf: 0.050000011920928955, maxL2: 0.3955478370189667 },
  'apgd-ce linf': { robustAccuracy: 0.3125, meanAbs: 0.04705270007252693, maxLinf: 0.050000011920928955, maxL2: 0.3953746557235718 },
  'apgd-dlr l2': { robustAccuracy: 0.125, meanAbs: 0.04743977263569832, maxLinf: 0.23123100399971008, maxL2: 0.4999999403953552 },
  'apgd-t linf': { robustAccuracy: 0.3125, meanAbs: 0.045796267688274384, maxLinf: 0.050000011920928955, maxL2: 0.3933858275413513 },
  'square linf': { robustAccuracy: 0.5, meanAbs: 0.04838074743747711, maxLinf: 0.050000011920928955, maxL2: 0.39997780323028564 },
  'square l2': { robustAccuracy: 0.4375, meanAbs: 0.04647061228752136, maxLinf: 0.2775309085845947, maxL2: 0.5000000596046448 },
  'cw l2': { robustAccuracy: 0.25, meanAbs: 0.014044731855392456, maxLinf: 0.07724809646606445, maxL2: 0.4520638883113861 },
  'fab-t linf': { robustAccuracy: 0, meanAbs: 0.032667018473148346, maxLinf: 0.11403858661651611, maxL2: 0.8164041042327881 },
  'fab-t l2 (restarts)': { robustAccuracy: 0, meanAbs: 0.021866928786039352, maxLinf: 0.19540520012378693, maxL2: 0.6596415638923645 },
  'autoAttack standard linf': { robustAccuracy: 0.3125, meanAbs: 0.032042041420936584, maxLinf: 0.050000011920928955, maxL2: 0.395221471786499 },
  'autoAttack rand l2': { robustAccuracy: 0.125, meanAbs: 0.04297222942113876, maxLinf: 0.22353237867355347, maxL2: 0.4991253912448883 },
};

function statistics(model: Classifier, xAdv: Images, x: Images, y: Labels): Golden {
  return tf.tidy(() => {
    const d = tf.reshape(tf.sub(xAdv, x), [N, -1]); // [N,D]
    const correct = tf.cast(tf.equal(tf.argMax(model(xAdv), 1), y), 'float32');
    return {
      robustAccuracy: tf.mean(correct).dataSync()[0] as number,
      meanAbs: tf.mean(tf.abs(d)).dataSync()[0] as number,
      maxLinf: tf.max(tf.abs(d)).dataSync()[0] as number,
      maxL2: tf.max(tf.sqrt(tf.sum(tf.square(d), 1))).dataSync()[0] as number,
    };
  });
}

describe('golden values of every attack on a fixed tiny CNN (wasm)', () => {
  let net: ReturnType<typeof tinyCnn>;
  let x: Images;
  let y: Labels;
  const measured: Record<string, Golden> = {};
  beforeAll(async () => {
    await tf.setBackend('wasm');
    net = tinyCnn(H, 1, K, 3);
    x = tf.randomUniform([N, H, H, 1], 0, 1, 'float32', 11) as Images;
    y = tf.tidy(() => tf.argMax(net.model(x), 1)) as Labels; // clean accuracy 1 by construction
  });
  afterAll(() => {
    if (process.env.ROBUSTJS_PRINT_GOLDEN === '1') console.info(JSON.stringify(measured, null, 2));
    net.dispose();
    tf.dispose([x, y]);
  });

  it('runs on wasm', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  for (const [name, run] of Object.entries(ATTACKS)) {
    it(`${name}: same output twice, statistics as pinned`, () => {
      const a = run(net.model, x, y);
      const b = run(net.model, x, y);
      const same = Buffer.from((a.dataSync() as Float32Array).buffer).equals(Buffer.from((b.dataSync() as Float32Array).buffer));
      const got = statistics(net.model, a, x, y);
      tf.dispose([a, b]);
      measured[name] = got;
      expect(same).toBe(true);
      const want = GOLDEN[name];
      expect(want, `no golden row for '${name}'; measured ${JSON.stringify(got)}`).toBeDefined();
      if (want === undefined) return;
      expect(got.robustAccuracy).toBe(want.robustAccuracy);
      expect(got.meanAbs).toBeCloseTo(want.meanAbs, 6);
      expect(got.maxLinf).toBeCloseTo(want.maxLinf, 6);
      expect(got.maxL2).toBeCloseTo(want.maxL2, 5);
    });
  }
});
