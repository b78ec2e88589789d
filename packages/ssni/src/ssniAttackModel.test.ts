import * as tf from '@tensorflow/tfjs';
import { eot, pgd } from '@robustjs/attacks';
import { diffPure, linearSchedule } from '@robustjs/diffusion';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { gaussianEpsilon, images, linearClassifier, useWasm } from '../test/helpers';
import { calibrate } from './calibration';
import { ssniAttackModel } from './ssniAttackModel';
import { ssniPurifier } from './ssniPurifier';

useWasm();

const schedule = linearSchedule();
const model = gaussianEpsilon(schedule, 0, 0.5);

function setup() {
  const ref = images(16, 8, 11);
  const calibration = calibrate(model, schedule, ref, { steps: 4, seed: 2 });
  ref.dispose();
  const ssni = ssniPurifier(diffPure(model, schedule, { t: 20, steps: 8 }), model, calibration, { tau: 0.5, bias: 2 });
  return { ssni, x: images(3, 8, 12), y: tf.tensor1d([0, 1, 2], 'int32') };
}

describe('ssniAttackModel', () => {
  it('recomputes t once per PGD iteration, shares it across EOT draws, and backpropagates through the surrogate', () => {
    const { ssni, x, y } = setup();
    const { classifier, dispose } = linearClassifier(8);
    const m = ssniAttackModel(classifier, ssni, { surrogateSteps: 3, eotSamples: 3 });
    expect(m.surrogate.settings.steps).toEqual([3]);
    const logits = m(x);
    expect(logits.shape).toEqual([3, 3]);
    expect(m.normEvaluations).toBe(1);
    expect(Array.from(m.last!.timesteps[0]!)).toEqual(Array.from(ssni.timesteps(ssni.norms(x))[0]!));
    const g = expectNoLeak(() => {
      const grad = tf.grad((xx: tf.Tensor) => tf.sum(m(xx as tf.Tensor4D)))(x);
      const total = tf.tidy(() => tf.sum(tf.abs(grad)).dataSync()[0]!);
      grad.dispose();
      return total;
    });
    expect(g).toBeGreaterThan(0);
    expect(m.normEvaluations).toBe(1); // tf.grad passes the same tensor: cached
    const xAdv = pgd(m, x, y, { eps: 0.1, steps: 2, stepSize: 0.05, randomStart: true, seed: 1 });
    expect(m.normEvaluations).toBe(4); // pgd's class-count probe on x, then one per iteration (2)
    // the attacks package's eot calls the model with the same x and distinct seeds: still one norm evaluation
    const averaged = eot(m, { samples: 4, seed: 1 });
    tf.dispose(averaged(xAdv));
    expect(m.normEvaluations).toBe(5);
    tf.dispose([logits, xAdv, x, y]);
    dispose();
  });

  it('gives the defense the same timesteps for the same input', () => {
    const { ssni, x, y } = setup();
    const { classifier, dispose } = linearClassifier(8);
    const m = ssniAttackModel(classifier, ssni, { surrogateSteps: 2 });
    tf.dispose(m(x, 7));
    const r = ssni.purifyWithInfo(x, { seed: 1 });
    expect(Array.from(r.timesteps[0]!)).toEqual(Array.from(m.last!.timesteps[0]!));
    tf.dispose([r.images, x, y]);
    dispose();
  });

  it('rejects bad options', () => {
    const { ssni, x, y } = setup();
    const { classifier, dispose } = linearClassifier(8);
    expect(expectRobustError(() => ssniAttackModel(classifier, ssni, { surrogateSteps: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ssniAttackModel(classifier, ssni, { surrogateSteps: [2, 2] })).code).toBe('SHAPE_MISMATCH');
    expect(expectRobustError(() => ssniAttackModel(classifier, ssni, { eotSamples: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => ssniAttackModel(classifier, {} as never)).message).toMatch(/SsniPurifier/);
    expect(expectRobustError(() => ssniAttackModel(classifier, ssni, { steps: 2 } as never)).code).toBe('UNKNOWN_OPTION');
    tf.dispose([x, y]);
    dispose();
  });
});
