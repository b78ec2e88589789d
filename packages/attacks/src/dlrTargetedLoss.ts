import * as tf from '@tensorflow/tfjs';
import type { Labels, Logits } from '@robustjs/core';
import { sortedMasks } from './internal/sortedMasks';

/**
 * The targeted difference-of-logits-ratio loss of Croce & Hein (2020), §3.3, per sample:
 * `−(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2 + 1e-12)` where π sorts the logits in decreasing order,
 * the loss APGD-T ascends for each target class `t`.
 *
 * @param logits - `[N,K]` float32 logits, K ≥ 4.
 * @param y - `[N]` int32 true labels in [0, K).
 * @param target - `[N]` int32 target labels in [0, K), different from `y`.
 * @returns `[N]` float32 losses; positive exactly when `z_t > z_y`.
 * @throws nothing itself; {@link apgdT} checks K ≥ 4 before calling it.
 * @example
 * ```ts
 * const loss = dlrTargetedLoss(model(x), y, target); // [N]
 * ```
 */
export function dlrTargetedLoss(logits: Logits, y: Labels, target: Labels): tf.Tensor1D {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const masks = sortedMasks(logits, 4); // 4 × [N,K]
    const pickIdx = (idx: tf.Tensor1D): tf.Tensor1D => tf.sum(tf.mul(logits, tf.oneHot(idx, k)), 1) as tf.Tensor1D; // [N]
    const pick = (j: number): tf.Tensor1D => tf.sum(tf.mul(logits, masks[j] as tf.Tensor2D), 1) as tf.Tensor1D; // [N]
    const denom = tf.add(tf.sub(pick(0), tf.mul(0.5, tf.add(pick(2), pick(3)))), 1e-12); // [N]
    return tf.neg(tf.div(tf.sub(pickIdx(y), pickIdx(target)), denom)) as tf.Tensor1D;
  });
}
