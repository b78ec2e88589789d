import * as tf from '@tensorflow/tfjs';
import type { Classifier, Images } from '@robustjs/core';

/** A linear classifier f(x) = W·flatten(x) + b with its weights kept in JS for exact checks. */
export interface LinearModel {
  readonly model: Classifier;
  /** W as rows: w[j] is the weight vector of class j, length D. */
  readonly w: Float64Array[];
  readonly b: Float64Array;
  dispose(): void;
}

/** Mulberry32: a tiny seeded uniform generator for test data in JS. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws by Box–Muller from {@link rng}. */
export function normal(rand: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

/** Builds a linear classifier from JS weights `w[K][D]` and biases `b[K]`. */
export function linearModel(w: Float64Array[], b: Float64Array): LinearModel {
  const k = w.length;
  const d = (w[0] as Float64Array).length;
  const wt = tf.tensor2d(Float32Array.from({ length: d * k }, (_, i) => (w[i % k] as Float64Array)[Math.floor(i / k)] as number), [d, k]); // [D,K]
  const bt = tf.tensor1d(Float32Array.from(b));
  const model: Classifier = (x: Images) => tf.tidy(() => tf.add(tf.matMul(tf.reshape(x, [x.shape[0], -1]), wt), bt) as tf.Tensor2D);
  return { model, w, b, dispose: () => { wt.dispose(); bt.dispose(); } };
}

/** A random linear classifier with K classes on D inputs, weights N(0, scale²). */
export function randomLinear(d: number, k: number, seed: number, scale = 1): LinearModel {
  const rand = rng(seed);
  const w = Array.from({ length: k }, () => Float64Array.from({ length: d }, () => scale * normal(rand)));
  const b = Float64Array.from({ length: k }, () => 0.1 * scale * normal(rand));
  return linearModel(w, b);
}

/** A small nonlinear conv classifier: conv 3×3 (4) → relu → dense K, fixed seeded weights. */
export function tinyCnn(h: number, c: number, k: number, seed: number): { model: Classifier; dispose(): void } {
  const f = tf.randomNormal([3, 3, c, 4], 0, 0.5, 'float32', seed) as tf.Tensor4D;
  const wd = tf.randomNormal([h * h * 4, k], 0, 0.5, 'float32', seed + 1) as tf.Tensor2D;
  const model: Classifier = (x: Images) =>
    tf.tidy(() => tf.matMul(tf.reshape(tf.relu(tf.conv2d(x, f, 1, 'same')), [x.shape[0], -1]), wd) as tf.Tensor2D);
  return { model, dispose: () => { f.dispose(); wd.dispose(); } };
}
