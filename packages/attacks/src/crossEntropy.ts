import * as tf from '@tensorflow/tfjs';
import type { Labels, Logits } from '@robustjs/core';

/**
 * Per-sample softmax cross-entropy of logits against labels, `logsumexp(z) − z_y`, the loss FGSM,
 * PGD and APGD-CE ascend. Stable for large logits (log-sum-exp with the max subtracted).
 *
 * @param logits - `[N,K]` float32 classifier outputs (before softmax).
 * @param y - `[N]` int32 labels in [0, K).
 * @returns `[N]` float32 losses (≥ 0).
 * @throws nothing itself; the attacks validate `logits` and `y` before calling it.
 * @example
 * ```ts
 * const loss = crossEntropy(model(x), y).mean();
 * ```
 */
export function crossEntropy(logits: Logits, y: Labels): tf.Tensor1D {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const zy = tf.sum(tf.mul(logits, tf.oneHot(y, k)), 1); // [N]
    return tf.sub(tf.logSumExp(logits, 1), zy) as tf.Tensor1D; // [N]
  });
}
