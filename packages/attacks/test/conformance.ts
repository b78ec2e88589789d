import * as tf from '@tensorflow/tfjs';
import type { Attack, Classifier, Images, Labels } from '@robustjs/core';
import { backendUnderTest, describeEachBackend, expectAttackAgreesWithWasm, expectNoLeak, onWasm } from '@robustjs/test-utils';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { linearModel, tinyCnn } from './models';
import type { Norm } from '../src/types';

/** What the suite needs to know about the options it passes: the threat model they set. */
export interface ConformanceOptions {
  readonly eps: number;
  readonly norm?: Norm;
  readonly [key: string]: unknown;
}

const N = 6;
const H = 6;
const K = 5;

/** Largest per-sample distance ‖xAdv − x‖ in `norm`. */
function maxDistance(xAdv: Images, x: Images, norm: Norm): number {
  return tf.tidy(() => {
    const d = tf.reshape(tf.sub(xAdv, x), [x.shape[0], -1]);
    const per = norm === 'linf' ? tf.max(tf.abs(d), 1) : tf.sqrt(tf.sum(tf.square(d), 1));
    return tf.max(per).dataSync()[0] as number;
  });
}

/**
 * The one conformance suite every attack runs, on every backend present: shape preserved, inside the
 * eps-ball and [0,1], same seed → same output, no tensor leak.
 */
export function describeAttack(name: string, attack: Attack<never>, options: ConformanceOptions): void {
  const run = attack as unknown as (m: Classifier, x: Images, y: Labels, o: ConformanceOptions) => Images;
  const norm: Norm = options.norm ?? 'linf';
  describeEachBackend(`${name} conformance`, () => {
    let net: ReturnType<typeof tinyCnn>;
    let x: Images;
    let y: Labels;
    beforeAll(() => {
      net = tinyCnn(H, 1, K, 3);
      x = tf.randomUniform([N, H, H, 1], 0, 1, 'float32', 11) as Images;
      y = tf.tensor1d([0, 1, 2, 3, 4, 0], 'int32');
    });
    afterAll(() => {
      net.dispose();
      tf.dispose([x, y]);
    });

    it('preserves the input shape', () => {
      const out = run(net.model, x, y, options);
      expect(out.shape).toEqual(x.shape);
      out.dispose();
    });

    it('stays inside the eps-ball and [0,1]', () => {
      const out = run(net.model, x, y, options);
      expect(maxDistance(out, x, norm)).toBeLessThanOrEqual(options.eps + 1e-5);
      const [lo, hi] = tf.tidy(() => [tf.min(out).dataSync()[0] as number, tf.max(out).dataSync()[0] as number]);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      out.dispose();
    });

    it('gives the same output for the same seed', () => {
      const a = run(net.model, x, y, options);
      const b = run(net.model, x, y, options);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      tf.dispose([a, b]);
    });

    it('leaks no tensors', () => {
      expectNoLeak(() => run(net.model, x, y, options));
    });

    if (backendUnderTest() !== 'wasm') {
      it('gives the output it gives on wasm, up to sign flips of near-zero gradient components', () => {
        const images = (): Float32Array => tf.tidy(() => run(net.model, x, y, options).dataSync().slice() as Float32Array);
        expectAttackAgreesWithWasm(images(), onWasm(images), options.eps, `${name} output`);
      });
    }
  });
}

/**
 * The suite of targeted attacks (those taking a `target` option): on a linear model where every class is
 * reachable inside the budget, every sample ends classified as its target.
 */
export function describeTargetedAttack(name: string, attack: Attack<never>, options: ConformanceOptions): void {
  const run = attack as unknown as (m: Classifier, x: Images, y: Labels, o: ConformanceOptions & { target: Labels }) => Images;
  describeEachBackend(`${name} targeted conformance`, () => {
    it('reaches every reachable target', () => {
      // Class j's logit is 10·x_j on pixel j: from x in [0.3,0.7], a budget of 0.5 (linf) or 1.0 (l2)
      // lifts x_t and lowers every other pixel enough for z_t to win.
      const k = 4;
      const w = Array.from({ length: k }, (_, j) => Float64Array.from({ length: k }, (_, i) => (i === j ? 10 : 0)));
      const lin = linearModel(w, new Float64Array(k));
      const x = tf.randomUniform([8, 2, 2, 1], 0.3, 0.7, 'float32', 5) as Images;
      const y = tf.argMax(lin.model(x), 1) as Labels;
      const target = tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32');
      const out = run(lin.model, x, y, { ...options, target });
      const pred = Array.from(tf.tidy(() => tf.argMax(lin.model(out), 1)).dataSync());
      expect(pred).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
      tf.dispose([x, y, target, out]);
      lin.dispose();
    });
  });
}
