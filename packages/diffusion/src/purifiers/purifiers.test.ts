import * as tf from '@tensorflow/tfjs';
import { expectClose, expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { images, useWasm } from '../../test/helpers';
import { linearSchedule } from '../schedule';
import { createUnet, type Unet } from '../unet/unet';
import { diffPure, gdmp, gns, majorityVote } from './factories';

useWasm();

describe('purifiers', () => {
  const schedule = linearSchedule();
  let unet: Unet;
  beforeAll(() => {
    unet = createUnet({ preset: 'tiny', seed: 11 });
    const w = unet.namedVariables.get('out.conv.w')!;
    w.assign(tf.randomNormal(w.shape, 0, 0.05, 'float32', 12));
  });
  afterAll(() => unet.dispose());

  it('DiffPure (ddpm and sde), GDMP, GNS: shape, [0,1], same seed → same output, other seed → other output', () => {
    const x = images(3);
    const purifiers = [
      diffPure(unet.predict, schedule, { t: 30, steps: 5 }),
      diffPure(unet.predict, schedule, { t: 30, steps: 5, solver: 'sde' }),
      gdmp(unet.predict, schedule, { t: 10, steps: 3, iterations: 2 }),
      gns(unet.predict, schedule, { stages: [10, 20], steps: [2, 3] }),
    ];
    for (const p of purifiers) {
      const a = p(x, undefined, { seed: 5 });
      const b = p.purify(x, { seed: 5 });
      const c = p.purify(x, { seed: 6 });
      expect(a.shape).toEqual(x.shape);
      const [lo, hi] = [tf.min(a).dataSync()[0]!, tf.max(a).dataSync()[0]!];
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
      expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
      expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
      tf.dispose([a, b, c]);
    }
    // without a seed, calls follow the purifier's own stream: two fresh purifiers agree call by call
    const p1 = diffPure(unet.predict, schedule, { t: 20, steps: 4, seed: 3 });
    const p2 = diffPure(unet.predict, schedule, { t: 20, steps: 4, seed: 3 });
    const r1 = [p1(x), p1(x)];
    const r2 = [p2(x), p2(x)];
    expect(Array.from(r1[1]!.dataSync())).toEqual(Array.from(r2[1]!.dataSync()));
    expect(Array.from(r1[0]!.dataSync())).not.toEqual(Array.from(r1[1]!.dataSync()));
    tf.dispose([x, ...r1, ...r2]);
  });

  it('per-sample t: t = 0 barely changes an image, a large t changes it a lot', () => {
    const x = images(2);
    const p = diffPure(unet.predict, schedule, { t: 100, steps: 10 });
    const out = p(x, tf.tensor1d([0, 400], 'int32'), { seed: 1 });
    const d = tf.mean(tf.abs(tf.sub(out, x)), [1, 2, 3]).dataSync();
    expect(d[0]!).toBeLessThan(0.05);
    expect(d[1]!).toBeGreaterThan(0.1);
    tf.dispose([x, out]);
  });

  it('checkpoint gradients equal full backpropagation (1e-4); BPDA passes the gradient through', () => {
    const x = images(2, 28, 21);
    const w = tf.randomNormal([28, 28, 1], 0, 1, 'float32', 22);
    const loss = (p: (v: tf.Tensor4D) => tf.Tensor4D) => (v: tf.Tensor) => tf.sum(tf.mul(p(v as tf.Tensor4D), w));
    for (const base of [
      diffPure(unet.predict, schedule, { t: 40, steps: 5 }),
      gdmp(unet.predict, schedule, { t: 10, steps: 3, iterations: 2 }),
    ]) {
      const full = tf.grad(loss((v) => base.purify(v, { seed: 9 })))(x);
      const ck = base.with({ gradient: 'checkpoint' });
      const g = tf.grad(loss((v) => ck.purify(v, { seed: 9 })))(x);
      expect(tf.max(tf.abs(full)).dataSync()[0]!).toBeGreaterThan(0);
      expectClose(g.dataSync(), full.dataSync(), 1e-4, `${base.kind} checkpoint gradient`);
      tf.dispose([full, g]);
    }
    const bpda = diffPure(unet.predict, schedule, { t: 40, steps: 5, gradient: 'bpda' });
    const gb = tf.grad(loss((v) => bpda.purify(v, { seed: 9 })))(x);
    // d/dx sum(w · purified) with an identity Jacobian is w (where the output is not clipped)
    const expected = tf.mul(tf.onesLike(x), w);
    expectClose(gb.dataSync(), expected.dataSync(), 1e-6, 'bpda gradient');
    tf.dispose([x, w, gb, expected]);
  });

  it('a surrogate chain is a purifier with fewer steps; with() rejects unknown settings', () => {
    const p = diffPure(unet.predict, schedule, { t: 100, steps: 100 });
    const s = p.with({ steps: [20] });
    expect(s.settings.steps).toEqual([20]);
    expect(p.settings.steps).toEqual([100]);
    expect(expectRobustError(() => p.with({ step: 3 } as never)).code).toBe('UNKNOWN_OPTION');
  });

  it('GNS majority vote: labels are the most frequent per image', () => {
    const x = images(4);
    const classifier = (v: tf.Tensor4D) => tf.tidy(() => {
      const m = tf.mean(v, [1, 2, 3]);
      return tf.stack([m, tf.sub(1, m)], 1) as tf.Tensor2D;
    });
    const p = gns(unet.predict, schedule, { stages: [5, 10], steps: [2, 2] });
    const { labels, votes } = majorityVote(classifier, p, x, { runs: 3, seed: 1 });
    expect(labels.shape).toEqual([4]);
    expect(Array.from(tf.sum(votes, 1).dataSync())).toEqual([3, 3, 3, 3]);
    const v = votes.arraySync();
    Array.from(labels.dataSync()).forEach((l, i) => expect(v[i]![l]).toBe(Math.max(...v[i]!)));
    tf.dispose([x, labels, votes]);
  });

  it('no tensor leaks, also under gradients', () => {
    const x = images(2);
    const p = diffPure(unet.predict, schedule, { t: 50, steps: 10, gradient: 'checkpoint' });
    expectNoLeak(() => p(x, undefined, { seed: 1 }));
    expectNoLeak(() => tf.grad((v: tf.Tensor) => tf.sum(p.purify(v as tf.Tensor4D, { seed: 2 })))(x));
    const g = gdmp(unet.predict, schedule, { t: 6, steps: 3, iterations: 2 });
    expectNoLeak(() => g(x, [3, 6], { seed: 1 }));
    x.dispose();
  });

  it('bad input: t* beyond the schedule, negative t, wrong t length, images outside [0,1], NaN, unknown options', () => {
    const x = images(2);
    const p = diffPure(unet.predict, schedule, { t: 10, steps: 2 });
    expect(expectRobustError(() => p(x, 1001)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => p(x, -1)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => p(x, tf.tensor1d([1, 2, 3], 'int32'))).code).toBe('SHAPE_MISMATCH');
    const big = tf.add(x, 1) as tf.Tensor4D;
    expect(expectRobustError(() => p(big)).code).toBe('OUT_OF_RANGE');
    const nan = tf.fill([1, 28, 28, 1], Number.NaN) as tf.Tensor4D;
    expect(expectRobustError(() => p(nan)).code).toBe('NOT_FINITE');
    expect(expectRobustError(() => p.purify(x, { tt: 3 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(expectRobustError(() => diffPure(unet.predict, schedule, { t: 2000 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => diffPure(unet.predict, schedule, { steps: 0 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => diffPure(unet.predict, schedule, { solver: 'euler' as never })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => gns(unet.predict, schedule, { stages: [10, 20], steps: [1] })).code).toBe('SHAPE_MISMATCH');
    tf.dispose([x, big, nan]);
  });

  it("diffPure's t and steps errors name t and steps, not stages[0] (#24)", () => {
    const e1 = expectRobustError(() => diffPure(unet.predict, schedule, { t: 2000 }));
    expect(e1.code).toBe('OUT_OF_RANGE');
    expect(e1.message).toMatch(/'t'/);
    expect(e1.message).not.toMatch(/stages/);
    const e2 = expectRobustError(() => diffPure(unet.predict, schedule, { t: 1.5 }));
    expect(e2.message).toMatch(/'t'/);
    expect(e2.message).not.toMatch(/stages/);
    const e3 = expectRobustError(() => diffPure(unet.predict, schedule, { steps: 0 }));
    expect(e3.message).toMatch(/'steps'/);
    expect(e3.message).not.toMatch(/steps\[0\]/);
  });
});
