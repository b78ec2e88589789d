import * as tf from '@tensorflow/tfjs';
import '@robustjs/core/register';
import type { Classifier, NoisePredictor } from '@robustjs/core';
import type { NoiseSchedule, VpSde } from '@robustjs/diffusion';

/** Runs the file's tests on the wasm backend (robustjs's kernel additions are registered by the import above). */
export { useWasm } from '@robustjs/test-utils';

/**
 * The exact epsilon-predictor of Gaussian data u0 ~ N(mu, s²I) for a discrete schedule: for
 * u_i = sqrt(ᾱ_i)u0 + sqrt(1−ᾱ_i)z, E[z | u_i] = sqrt(1−ᾱ_i)(u_i − sqrt(ᾱ_i)mu) / (ᾱ_i s² + 1 − ᾱ_i).
 */
export function gaussianEpsilon(schedule: NoiseSchedule, mu: number, s: number): NoisePredictor {
  return (u, t) => tf.tidy(() => {
    const ab = Array.from(t.dataSync(), (v) => schedule.alphasCumprod[Math.min(Math.max(Math.round(v), 0), schedule.T - 1)]!);
    const c1 = tf.tensor4d(ab.map((a) => Math.sqrt(1 - a) / (a * s * s + 1 - a)), [ab.length, 1, 1, 1]);
    const c2 = tf.tensor4d(ab.map((a) => Math.sqrt(a) * mu), [ab.length, 1, 1, 1]);
    return tf.mul(tf.sub(u, c2), c1) as tf.Tensor4D;
  });
}

/** The same for the VP-SDE, reading the real-valued time input 999·s: m = m(s), σ = σ(s). */
export function gaussianEpsilonSde(sde: VpSde, mu: number, s: number): NoisePredictor {
  return (u, t) => tf.tidy(() => {
    const ms = Array.from(t.dataSync(), (v) => sde.m(v / 999));
    const c1 = tf.tensor4d(ms.map((m) => Math.sqrt(1 - m * m) / (m * m * s * s + 1 - m * m)), [ms.length, 1, 1, 1]);
    const c2 = tf.tensor4d(ms.map((m) => m * mu), [ms.length, 1, 1, 1]);
    return tf.mul(tf.sub(u, c2), c1) as tf.Tensor4D;
  });
}

/** A fixed linear classifier on `[N,S,S,1]` images: logits = flatten(x)·W, W seeded. */
export function linearClassifier(size: number, classes = 3, seed = 3): { classifier: Classifier; dispose: () => void } {
  const w = tf.randomNormal([size * size, classes], 0, 1, 'float32', seed) as tf.Tensor2D;
  return { classifier: (x) => tf.tidy(() => tf.matMul(tf.reshape(x, [x.shape[0], -1]), w)), dispose: () => w.dispose() };
}

/** Images in [0,1], deterministic. */
export function images(n: number, size = 8, seed = 1): tf.Tensor4D {
  return tf.randomUniform([n, size, size, 1], 0, 1, 'float32', seed) as tf.Tensor4D;
}

/** A deterministic standard normal generator (Box–Muller over a 32-bit LCG), float64. */
export function normals(seed: number): () => number {
  let state = seed >>> 0 || 1;
  const uniform = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}
