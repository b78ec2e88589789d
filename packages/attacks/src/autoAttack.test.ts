import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Images, Labels } from '@robustjs/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { autoAttack } from './autoAttack';
import { randomLinear } from '../test/models';

describe('autoAttack', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('returns x itself for samples it cannot break and adversarial images for the others', () => {
    const lin = randomLinear(16, 5, 6, 1);
    const x = tf.randomUniform([40, 4, 4, 1], 0, 1, 'float32', 8) as Images;
    const pred = tf.tidy(() => tf.argMax(lin.model(x), 1));
    // Every 5th label is wrong: those samples must come back untouched.
    const y = tf.tidy(() => tf.where(tf.equal(tf.mod(tf.range(0, 40, 1, 'int32'), 5), 0), tf.cast(tf.mod(tf.add(pred, 1), 5), 'int32'), pred)) as Labels;
    const out = autoAttack(lin.model, x, y, { eps: 0.1, steps: 20, queries: 50 });
    const changed = tf.tidy(() => Array.from(tf.any(tf.notEqual(tf.reshape(out, [40, -1]), tf.reshape(x, [40, -1])), 1).dataSync()));
    const ok = tf.tidy(() => Array.from(tf.equal(tf.argMax(lin.model(out), 1), y).dataSync()));
    for (let i = 0; i < 40; i++) {
      if (i % 5 === 0) expect(changed[i]).toBe(0);
      // A changed sample is one the ensemble broke; an unchanged correct one survived every component.
      if (changed[i]) expect(ok[i]).toBe(0);
    }
    expect(ok.filter((v, i) => v === 0 && i % 5 !== 0).length).toBeGreaterThan(0);
    tf.dispose([x, pred, y, out]);
    lin.dispose();
  });

  it("'standard' l2 runs Square l2: on a model with zero gradients (APGD and FAB-T blind) it still breaks samples", () => {
    const lin = randomLinear(16, 5, 6, 1);
    const masked = (v: Images) =>
      tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
        const input = args[0] as Images;
        return { value: lin.model(input), gradFunc: () => [tf.zerosLike(input)] };
      })(v) as tf.Tensor2D;
    const x = tf.randomUniform([40, 4, 4, 1], 0.2, 0.8, 'float32', 9) as Images;
    const y = tf.tidy(() => tf.argMax(lin.model(x), 1)) as Labels;
    const out = autoAttack(masked, x, y, { eps: 0.5, norm: 'l2', steps: 5, queries: 50 });
    const broken = tf.tidy(() => tf.sum(tf.cast(tf.notEqual(tf.argMax(lin.model(out), 1), y), 'int32')).dataSync()[0] as number);
    expect(broken).toBeGreaterThan(0);
    tf.dispose([x, y, out]);
    lin.dispose();
  });
});
