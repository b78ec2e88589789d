import * as tf from '@tensorflow/tfjs';
import { linearSchedule } from '@robustjs/diffusion';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { handmadeEpsilon, handmadePurifier } from '@robustjs/test-utils';
import { images, useWasm } from '../test/helpers';
import { timestepPurifier } from './timestepPurifier';

useWasm();

const schedule = linearSchedule();

describe('timestepPurifier', () => {
  it('calls the function with an int32 [N] tensor (t* by default), seeded, tidy', () => {
    const seen: number[][] = [];
    const p = timestepPurifier((x, t) => {
      seen.push(Array.from((t as tf.Tensor1D).dataSync()));
      return tf.mul(x, 0.5) as tf.Tensor4D;
    }, { tStar: 7, T: 10 });
    expect(p.kind).toBe('timestep');
    expect(p.settings).toEqual({ name: 'purifier', stages: [7], T: 10, gradient: 'full' });
    const x = images(3, 4, 1);
    const t = tf.tensor1d([1, 2, 3], 'int32');
    const sum = expectNoLeak(() => {
      const ys = [p(x), p.purify(x, { t: [0, 5, 10] }), p.purify(x, { t: (stage, tStar) => tStar - stage - 1 }), p(x, t)];
      const total = tf.tidy(() => tf.sum(tf.addN(ys)).dataSync()[0]!);
      tf.dispose(ys);
      return total;
    });
    expect(seen).toEqual([[7, 7, 7], [0, 5, 10], [6, 6, 6], [1, 2, 3]]);
    expect(sum).toBeCloseTo(tf.tidy(() => tf.sum(x).dataSync()[0]! * 2), 3);
    tf.dispose([x, t]);
  });

  it('a hand-written DDIM purifier: same seed → same images, gradients flow (full) or pass through (bpda)', () => {
    const { model, dispose } = handmadeEpsilon(schedule);
    const ddim = handmadePurifier(model, schedule, 3);
    const p = timestepPurifier(ddim.purify, { tStar: 20, T: 1000 });
    expect(p.settings.name).toBe('handmadeDdim');
    const x = images(2, 8, 3);
    const a = p.purify(x, { seed: 4 });
    const b = p.purify(x, { seed: 4 });
    const c = p.purify(x, { seed: 5 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(Array.from(a.dataSync())).not.toEqual(Array.from(c.dataSync()));
    const g = tf.grad((v: tf.Tensor) => tf.sum(p.purify(v as tf.Tensor4D, { seed: 4 })))(x);
    expect(tf.tidy(() => tf.sum(tf.abs(g)).dataSync()[0]!)).toBeGreaterThan(0);
    const gb = tf.grad((v: tf.Tensor) => tf.sum(p.with({ gradient: 'bpda' }).purify(v as tf.Tensor4D, { seed: 4 })))(x);
    expect(Array.from(gb.dataSync()).every((v) => v === 1)).toBe(true); // identity backward of a sum
    tf.dispose([a, b, c, g, gb, x]);
    ddim.dispose();
    dispose();
  });

  it('rejects bad settings and calls with a RobustError', () => {
    const id = (x: tf.Tensor4D): tf.Tensor4D => tf.clone(x);
    expect(expectRobustError(() => timestepPurifier(id, { T: 10 })).message).toMatch(/'tStar' and 'T'.*required/);
    expect(expectRobustError(() => timestepPurifier(id, { tStar: 11, T: 10 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => timestepPurifier(id, { tStar: 0, T: 10 })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => timestepPurifier(id, { tStar: 5, T: 10, steps: 3 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(expectRobustError(() => timestepPurifier(id, { tStar: 5, T: 10, gradient: 'checkpoint' as never })).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => timestepPurifier('f' as never, { tStar: 5, T: 10 })).code).toBe('INVALID_ARGUMENT');
    const p = timestepPurifier(id, { tStar: 5, T: 10 });
    expect(expectRobustError(() => p.with({ steps: [3] } as never)).code).toBe('UNKNOWN_OPTION');
    const x = images(2, 4, 1);
    expect(expectRobustError(() => p.purify(x, { t: [1, 11] })).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => p.purify(x, { t: [1, 2, 3] })).code).toBe('SHAPE_MISMATCH');
    const ints = timestepPurifier((u: tf.Tensor4D) => tf.cast(u, 'int32') as tf.Tensor4D, { tStar: 5, T: 10, name: 'ints' });
    expect(expectRobustError(() => ints.purify(x)).message).toMatch(/'ints'.*got a int32 tensor/);
    x.dispose();
  });
});
