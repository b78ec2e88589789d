import * as tf from '@tensorflow/tfjs';

/**
 * One-hot masks `[N,K]` of the `count` largest logits per row, in decreasing order. Built from repeated
 * argMax (whose gradient tfjs defines as zero) rather than topk (which has no gradient in tfjs), so a loss
 * that picks logits with these masks stays differentiable in the picked logits.
 */
export function sortedMasks(logits: tf.Tensor2D, count: number): tf.Tensor2D[] {
  const k = logits.shape[1];
  const masks: tf.Tensor2D[] = [];
  let rest: tf.Tensor2D = logits;
  for (let j = 0; j < count; j++) {
    const mask = tf.oneHot(tf.argMax(rest, 1) as tf.Tensor1D, k).toFloat() as tf.Tensor2D; // [N,K]
    masks.push(mask);
    rest = tf.sub(rest, tf.mul(mask, 1e9)) as tf.Tensor2D;
  }
  return masks;
}
