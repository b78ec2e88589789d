import * as tf from '@tensorflow/tfjs';
import { assertTensor4D } from './assertBallArgs';

/** The body of {@link l2NormPerSample}, unchecked (internal; the ball helpers call it on tensors they made). */
export function l2NormPerSampleImpl(t: tf.Tensor4D): tf.Tensor4D {
  return tf.sqrt(tf.sum(tf.square(t), [1, 2, 3], true)) as tf.Tensor4D; // [N,1,1,1]
}

/**
 * The Euclidean norm of each sample of a batch, kept broadcastable against it: ‖t_i‖₂ over H, W and C.
 *
 * Shape: `t` `[N,H,W,C]` → `[N,1,1,1]`.
 *
 * @param t - a batch `[N,H,W,C]` float32 (images, perturbations or gradients).
 * @returns the per-sample l_2 norms `[N,1,1,1]`, each ≥ 0 (the caller owns it).
 * @throws {@link RobustError} `INVALID_ARGUMENT` when `t` is not a live rank-4 float32 tensor.
 * @example
 * ```ts
 * const unit = tf.div(g, tf.add(l2NormPerSample(g), 1e-12)); // [N,H,W,C], each sample of l_2 norm 1
 * ```
 */
export function l2NormPerSample(t: tf.Tensor4D): tf.Tensor4D {
  assertTensor4D(t, 't', 'l2NormPerSample');
  return tf.tidy(() => l2NormPerSampleImpl(t));
}
