import * as tf from '@tensorflow/tfjs';
import type { Labels, Logits } from '@robustjs/core';
import { sortedMasks } from './internal/sortedMasks';

/**
 * The difference-of-logits-ratio loss of Croce & Hein (2020), §3.3, per sample:
 * `−(z_y − max_{i≠y} z_i) / (z_π1 − z_π3 + 1e-12)` where π sorts the logits in decreasing order.
 * It is shift- and scale-invariant in the logits, which defeats gradient masking by logit scaling.
 * The sort is computed as index masks, so gradients flow through the selected logits.
 *
 * @param logits - `[N,K]` float32 logits, K ≥ 3.
 * @param y - `[N]` int32 labels in [0, K).
 * @returns `[N]` float32 losses; positive exactly when the sample is misclassified.
 * @throws nothing itself; APGD checks K ≥ 3 before calling it.
 * @example
 * ```ts
 * const loss = dlrLoss(model(x), y); // [N]
 * ```
 */
export function dlrLoss(logits: Logits, y: Labels): tf.Tensor1D {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const masks = sortedMasks(logits, 3); // 3 × [N,K]
    const pick = (j: number): tf.Tensor1D => tf.sum(tf.mul(logits, masks[j] as tf.Tensor2D), 1) as tf.Tensor1D; // [N]
    const yMask = tf.oneHot(y, k); // [N,K]
    const zy = tf.sum(tf.mul(logits, yMask), 1); // [N]
    const zOther = tf.max(tf.sub(logits, tf.mul(yMask, 1e9)), 1); // [N] max over i ≠ y
    return tf.neg(tf.div(tf.sub(zy, zOther), tf.add(tf.sub(pick(0), pick(2)), 1e-12))) as tf.Tensor1D;
  });
}
