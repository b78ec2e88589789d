import * as tf from '@tensorflow/tfjs';
import '@robustjs/core/register';
import type { NoisePredictor } from '@robustjs/core';
import type { NoiseSchedule } from '../src/schedule';
import { createUnet, type Unet } from '../src/unet/unet';

/** Runs the file's tests on the wasm backend (robustjs's kernel additions are registered by the import above). */
export { useWasm } from '@robustjs/test-utils';

/**
 * The exact epsilon-predictor of Gaussian data u0 ~ N(mu, s²I): for u_t = sqrt(ᾱ)u0 + sqrt(1−ᾱ)z,
 * E[z | u_t] = sqrt(1−ᾱ)(u_t − sqrt(ᾱ)mu) / (ᾱ s² + 1 − ᾱ). Works with integer indices (and real times rounded).
 */
export function gaussianEpsilon(schedule: NoiseSchedule, mu: number, s: number): NoisePredictor {
  return (u, t) => tf.tidy(() => {
    const idx = Array.from(t.dataSync(), (v) => Math.min(Math.max(Math.round(v), 0), schedule.T - 1));
    const ab = idx.map((i) => schedule.alphasCumprod[i]!);
    const c1 = tf.tensor4d(ab.map((a) => Math.sqrt(1 - a) / (a * s * s + 1 - a)), [ab.length, 1, 1, 1]);
    const c2 = tf.tensor4d(ab.map((a) => Math.sqrt(a) * mu), [ab.length, 1, 1, 1]);
    return tf.mul(tf.sub(u, c2), c1) as tf.Tensor4D;
  });
}

/** A model that predicts the same noise whatever its input (DDIM inversion is then exact). */
export function constantEpsilon(eps: tf.Tensor4D): NoisePredictor {
  return (u) => tf.tidy(() => tf.add(tf.mul(u, 0), eps) as tf.Tensor4D);
}

/** Images in [0,1], deterministic. */
export function images(n: number, size = 28, seed = 1): tf.Tensor4D {
  return tf.randomUniform([n, size, size, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/**
 * A lazily made tiny UNet (16×16 by default) whose output layer has small random weights (a fresh UNet's zero output
 * layer would predict zero noise), and its disposer: call `model()` inside tests (after the backend is set).
 */
export function lazyTinyUnet(size = 16): { model: () => Unet; dispose: () => void } {
  let unet: Unet | undefined;
  return {
    model: () => {
      if (unet === undefined) {
        unet = createUnet({ preset: 'tiny', seed: 11, config: { imageSize: size } });
        const w = unet.namedVariables.get('out.conv.w')!;
        w.assign(tf.randomNormal(w.shape, 0, 0.05, 'float32', 12));
      }
      return unet;
    },
    dispose: () => unet?.dispose(),
  };
}
