import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import type { Classifier, Images } from '@robustjs/core';
import { expectNoLeak } from '@robustjs/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { crossEntropy } from '../crossEntropy';
import { apgdRun } from './apgdCore';
import { apgdStart } from './apgdStart';

describe('apgdStart', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  const distances = (fidelity: 'reference' | 'paper', norm: 'linf' | 'l2'): number[] => {
    const x = tf.fill([32, 4, 4, 3], 0.5) as Images; // far enough from 0 and 1 that the clip does nothing
    const x0 = apgdStart(x, 0.1, norm, 7, fidelity);
    const d = tf.tidy(() => {
      const delta = tf.reshape(tf.sub(x0, x), [32, -1]); // [N,D]
      return Array.from((norm === 'linf' ? tf.max(tf.abs(delta), 1) : tf.norm(delta, 'euclidean', 1)).dataSync());
    });
    tf.dispose([x, x0]);
    return d;
  };

  it("'reference' starts at eps·t/‖t‖ like autopgd_base.py: some pixel at ±eps (l_inf), on the sphere (l_2)", () => {
    for (const norm of ['linf', 'l2'] as const) {
      for (const d of distances('reference', norm)) expect(d).toBeCloseTo(0.1, 6);
    }
  });

  it("'paper' starts strictly inside: uniform per pixel (l_inf), radius U(0,1)·eps (l_2)", () => {
    for (const norm of ['linf', 'l2'] as const) {
      const d = distances('paper', norm);
      expect(Math.max(...d)).toBeLessThan(0.1);
      if (norm === 'l2') expect(Math.min(...d)).toBeLessThan(0.09);
    }
  });
});

describe('apgdRun kept iterate', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  /**
   * Runs APGD-CE against a stub whose logits depend on the call count: the gradient sign alternates (the iterates
   * bounce across the ball) and class 1 wins on calls 2 and 5 only (steps 2 and 5). Returns what APGD returned and
   * the inputs of those two calls.
   */
  function run(fidelity: 'reference' | 'paper'): { out: Float32Array; first: Float32Array; last: Float32Array } {
    const inputs: Float32Array[] = [];
    const model: Classifier = (v) => {
      const call = inputs.length;
      inputs.push(Float32Array.from(v.dataSync()));
      const bias = call === 2 || call === 5 ? -1 : 1;
      const z0 = tf.add(tf.mul(call % 2 === 0 ? 1e-3 : -1e-3, tf.sum(v, [1, 2, 3])), bias); // [N]
      return tf.stack([z0, tf.zerosLike(z0)], 1) as tf.Tensor2D; // [N,2]
    };
    const x = tf.fill([1, 2, 2, 1], 0.5) as Images;
    const y = tf.zeros([1], 'int32') as tf.Tensor1D;
    const success = (z: tf.Tensor2D): tf.Tensor1D => tf.tidy(() => tf.cast(tf.notEqual(tf.argMax(z, 1), y), 'float32') as tf.Tensor1D);
    const cfg = { eps: 0.1, steps: 8, norm: 'linf', rho: 0.75, alpha: 0.75, seed: 1, fidelity } as const;
    const out = expectNoLeak(() => {
      const r = apgdRun(model, x, (z) => crossEntropy(z, y), success, cfg);
      expect(r.found).toEqual([true]);
      const data = Float32Array.from(r.xAdv.dataSync());
      r.xAdv.dispose();
      return data;
    });
    tf.dispose([x, y]);
    return { out, first: inputs[2] as Float32Array, last: inputs[5] as Float32Array };
  }

  it("'reference' returns the last misclassified iterate of the run (x_best_adv), 'paper' the first", () => {
    const ref = run('reference');
    expect(Array.from(ref.first)).not.toEqual(Array.from(ref.last));
    expect(Array.from(ref.out)).toEqual(Array.from(ref.last));
    const paper = run('paper');
    expect(Array.from(paper.first)).not.toEqual(Array.from(paper.last));
    expect(Array.from(paper.out)).toEqual(Array.from(paper.first));
  });
});
