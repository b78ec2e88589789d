import * as tf from '@tensorflow/tfjs';
import { expectNoLeak, relativeError, useWasm } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { ParamSource, downsample, timestepEmbedding } from './unet2DLayers';

useWasm();

/** diffusers' get_timestep_embedding in float64. */
function reference(t: number[], dim: number, flip: boolean, shift: number): number[][] {
  const half = Math.floor(dim / 2);
  return t.map((v) => {
    const args = Array.from(
      { length: half },
      (_, i) => v * Math.exp((-Math.log(10000) * i) / (half - shift))
    );
    const [a, b] = [args.map(Math.sin), args.map(Math.cos)];
    return [...(flip ? [...b, ...a] : [...a, ...b]), ...(dim % 2 === 1 ? [0] : [])];
  });
}

describe('unet2DLayers', () => {
  it.each([
    [8, false, 1], // google/ddpm-cifar10-32: [sin, cos], shift 1
    [8, true, 0], // diffusers' defaults: [cos, sin], shift 0
    [7, true, 0], // odd width: zero-padded
  ] as const)(
    'timestepEmbedding(dim %i, flip %s, shift %i) equals diffusers’ formula',
    (dim, flip, shift) => {
      const t = [0, 1, 100, 999];
      const times = tf.tensor1d(t, 'int32');
      const got = expectNoLeak(() => {
        const e = timestepEmbedding(times, dim, flip, shift);
        const out = { shape: e.shape, values: e.dataSync() };
        e.dispose();
        return out;
      });
      times.dispose();
      expect(got.shape).toEqual([4, dim]);
      expect(relativeError(got.values, reference(t, dim, flip, shift).flat())).toBeLessThan(1e-5);
    }
  );

  it('downsample: padding 1 pads every side, padding 0 only bottom and right (diffusers)', () => {
    // a 1-channel 3×3 conv of ones, zero bias, on a 4×4 ramp: the top-left output shows the padding
    const weights = { 'd.conv.weight': tf.ones([3, 3, 1, 1]), 'd.conv.bias': tf.zeros([1]) };
    const x = tf.reshape(tf.range(1, 17, 1, 'float32'), [1, 4, 4, 1]) as tf.Tensor4D;
    const [p1, p0] = [1, 0].map((pad) => {
      const y = downsample(new ParamSource(weights), 'd', 1, pad as 0 | 1)(x);
      const v = Array.from(y.dataSync());
      y.dispose();
      return v;
    });
    // padding 1: window rows/cols −1..1 → 1+2+5+6 = 14;
    // padding 0: rows/cols 0..2 → 1+2+3+5+6+7+9+10+11 = 54
    expect([p1![0], p0![0]]).toEqual([14, 54]);
    expect([p1!.length, p0!.length]).toEqual([4, 4]);
    tf.dispose([x, ...Object.values(weights)]);
  });
});
