import * as tf from '@tensorflow/tfjs';
import type { Images, NoisePredictor, PurifierOptions, Timesteps, TimestepPurifier } from '@robustjs/core';
/** The part of a noise schedule the hand-made fixtures read (a `NoiseSchedule` of @robustjs/diffusion fits). */
interface NoiseSchedule {
  readonly alphasCumprod: ArrayLike<number> & Iterable<number>;
}

/**
 * A hand-made epsilon predictor written with tf ops only (no robustjs sampler or UNet): the exact predictor of
 * Gaussian data N(0, s²I), `sqrt(1−ᾱ_t)·xt / (ᾱ_t s² + 1 − ᾱ_t)`, plus a small fixed 3×3 convolution of `xt` (a
 * stand-in for a learned network). `t` `[N]` int32 indexes the schedule with `tf.gather`; differentiable in `xt`.
 */
export function handmadeEpsilon(schedule: NoiseSchedule, s = 0.5): { model: NoisePredictor; dispose: () => void } {
  const ab = Float32Array.from(schedule.alphasCumprod);
  const scale = tf.tensor1d(ab.map((a) => Math.sqrt(1 - a) / (a * s * s + 1 - a))); // [T]
  const kernel = tf.tensor4d([0, 0.02, 0, 0.02, -0.08, 0.02, 0, 0.02, 0], [3, 3, 1, 1]);
  const model: NoisePredictor = (xt, t) => tf.tidy(() => {
    const c = tf.reshape(tf.gather(scale, tf.cast(t, 'int32')), [-1, 1, 1, 1]); // [N,1,1,1]
    return tf.add(tf.mul(xt, c), tf.conv2d(xt, kernel as tf.Tensor4D, 1, 'same')) as tf.Tensor4D;
  });
  return { model, dispose: () => tf.dispose([scale, kernel]) };
}

/**
 * A hand-written purifier (no diffPure / gdmp / gns): diffuse `x` to its own `t` (`ᾱ` of index t − 1, t = 0 = no
 * noise) with seeded Gaussian noise, then `steps` deterministic DDIM steps down to 0 on the per-sample grid
 * round(t·(K − k)/K), all with tf ops, and back to [0,1].
 */
export function handmadePurifier(model: NoisePredictor, schedule: NoiseSchedule, steps = 3): { purify: TimestepPurifier; dispose: () => void } {
  const abTable = tf.tensor1d(Float32Array.from([1, ...schedule.alphasCumprod])); // [T+1]: index t → ᾱ_{t−1}, ᾱ(0) = 1
  const abOf = (t: tf.Tensor1D): tf.Tensor4D => tf.reshape(tf.gather(abTable, t), [-1, 1, 1, 1]) as tf.Tensor4D; // [N,1,1,1]
  const purify = function handmadeDdim(x: Images, t: Timesteps | number, options: PurifierOptions = {}): Images {
    return tf.tidy(() => {
      const n = x.shape[0];
      const tt = (typeof t === 'number' ? tf.fill([n], t, 'int32') : tf.cast(t, 'int32')) as tf.Tensor1D; // [N]
      const x0 = tf.sub(tf.mul(x, 2), 1) as tf.Tensor4D;
      const z = tf.randomNormal(x.shape, 0, 1, 'float32', options.seed);
      const ab = abOf(tt);
      let u = tf.add(tf.mul(tf.sqrt(ab), x0), tf.mul(tf.sqrt(tf.sub(1, ab)), z)) as tf.Tensor4D;
      const tf32 = tf.cast(tt, 'float32');
      for (let k = 0; k < steps; k++) {
        const now = tf.cast(tf.round(tf.mul(tf32, (steps - k) / steps)), 'int32') as tf.Tensor1D; // [N]
        const prev = tf.cast(tf.round(tf.mul(tf32, (steps - k - 1) / steps)), 'int32') as tf.Tensor1D; // [N]
        const abNow = abOf(now);
        const abPrev = abOf(prev);
        const eps = model(u, tf.maximum(tf.sub(now, 1), 0) as tf.Tensor1D);
        const x0hat = tf.div(tf.sub(u, tf.mul(tf.sqrt(tf.sub(1, abNow)), eps)), tf.sqrt(abNow));
        u = tf.add(tf.mul(tf.sqrt(abPrev), x0hat), tf.mul(tf.sqrt(tf.sub(1, abPrev)), eps)) as tf.Tensor4D;
      }
      return tf.clipByValue(tf.div(tf.add(u, 1), 2), 0, 1) as Images;
    });
  };
  return { purify, dispose: () => abTable.dispose() };
}
