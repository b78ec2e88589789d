import * as tf from '@tensorflow/tfjs';

/**
 * The MMD-OPT acceptance task: two Gaussian mixtures in D dimensions that differ in covariance only.
 * Both are ½N(−2e0, Σ) + ½N(+2e0, Σ); for x, Σ = I; for y (`extra` > 0), the standard deviation along
 * e1 is 1 + extra. Only one of D directions carries the difference, so a Gaussian kernel on all D
 * coordinates (median heuristic) has little power and a learned featurizer can find the direction.
 */
export function covarianceMixture(n: number, d: number, extra: number, seed: number): tf.Tensor2D {
  return tf.tidy(() => {
    const sign = tf.sub(tf.mul(tf.cast(tf.randomUniform([n, 1], 0, 2, 'int32', seed * 10), 'float32'), 2), 1); // [n,1] ±1
    const z = tf.randomNormal([n, d], 0, 1, 'float32', seed * 10 + 1); // [n,d]
    const scale = tf.tensor1d(Array.from({ length: d }, (_, i) => (i === 1 ? 1 + extra : 1))); // [d]
    const mean = tf.mul(sign, tf.tensor1d(Array.from({ length: d }, (_, i) => (i === 0 ? 2 : 0)))); // [n,d]
    return tf.add(mean, tf.mul(z, scale)) as tf.Tensor2D;
  });
}
