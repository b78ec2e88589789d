import * as tf from '@tensorflow/tfjs';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { useWasm } from '../test/helpers';
import { fromDiffusionRange, qSample, toDiffusionRange } from './qSample';
import { linearSchedule } from './schedule';

useWasm();

describe('qSample', () => {
  const schedule = linearSchedule();

  it('marginal mean and variance match the schedule at several per-sample t', () => {
    const ts = [0, 99, 499, 999];
    const u0 = tf.fill([4, 64, 64, 1], 0.6) as tf.Tensor4D;
    const ut = qSample(schedule, u0, tf.tensor1d(ts, 'int32'), { seed: 3 });
    const values = ut.arraySync() as number[][][][];
    ts.forEach((t, i) => {
      const flat = values[i]!.flat(2);
      const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
      const variance = flat.reduce((a, b) => a + (b - mean) ** 2, 0) / flat.length;
      const ab = schedule.alphasCumprod[t]!;
      // 4096 draws: standard error of the mean sqrt((1-ab)/4096), of the variance ≈ (1-ab)·sqrt(2/4096)
      expect(Math.abs(mean - Math.sqrt(ab) * 0.6)).toBeLessThan(4 * Math.sqrt((1 - ab) / 4096) + 1e-6);
      expect(Math.abs(variance - (1 - ab))).toBeLessThan(4 * (1 - ab) * Math.sqrt(2 / 4096) + 1e-7);
    });
    tf.dispose([u0, ut]);
  });

  it('given noise: exact formula; same seed → same numbers; no leaks', () => {
    const u0 = tf.tensor4d([0.5, -0.5], [2, 1, 1, 1]);
    const z = tf.tensor4d([1, 2], [2, 1, 1, 1]);
    expectNoLeak(() => qSample(schedule, u0, [10, 20], { noise: z }));
    const ut = qSample(schedule, u0, [10, 20], { noise: z });
    const a10 = schedule.alphasCumprod[10]!;
    const a20 = schedule.alphasCumprod[20]!;
    const v = ut.dataSync();
    expect(v[0]).toBeCloseTo(Math.sqrt(a10) * 0.5 + Math.sqrt(1 - a10), 6);
    expect(v[1]).toBeCloseTo(-Math.sqrt(a20) * 0.5 + 2 * Math.sqrt(1 - a20), 6);
    const a = qSample(schedule, u0, 5, { seed: 9 });
    const b = qSample(schedule, u0, 5, { seed: 9 });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([u0, z, ut, a, b]);
  });

  it('range maps are inverse and clip', () => {
    const x = tf.tensor4d([0, 0.25, 1], [1, 1, 3, 1]);
    const u = toDiffusionRange(x);
    expect(Array.from(u.dataSync())).toEqual([-1, -0.5, 1]);
    const back = fromDiffusionRange(tf.tensor4d([-3, 0, 3], [1, 1, 3, 1]));
    expect(Array.from(back.dataSync())).toEqual([0, 0.5, 1]);
    tf.dispose([x, u, back]);
  });

  it('bad input: t outside [0, T), wrong length, images outside [-1,1], noise shape', () => {
    const u0 = tf.zeros([2, 4, 4, 1]) as tf.Tensor4D;
    expect(expectRobustError(() => qSample(schedule, u0, 1000)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => qSample(schedule, u0, -1)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => qSample(schedule, u0, [1, 2, 3])).code).toBe('SHAPE_MISMATCH');
    expect(expectRobustError(() => qSample(schedule, u0, tf.tensor1d([1.5, 2]))).code).toBe('INVALID_ARGUMENT');
    const big = tf.fill([1, 2, 2, 1], 2) as tf.Tensor4D;
    expect(expectRobustError(() => qSample(schedule, big, 1)).code).toBe('OUT_OF_RANGE');
    expect(expectRobustError(() => qSample(schedule, u0, 1, { noise: tf.zeros([1, 4, 4, 1]) as tf.Tensor4D })).code).toBe('SHAPE_MISMATCH');
    tf.dispose([u0, big]);
  });

  it('a misspelt option (sead) is UNKNOWN_OPTION, never an unseeded draw (#24)', () => {
    const u0 = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    const e = expectRobustError(() => qSample(schedule, u0, 1, { sead: 3 } as never));
    expect(e.code).toBe('UNKNOWN_OPTION');
    expect(e.message).toMatch(/sead/);
    u0.dispose();
  });
});
