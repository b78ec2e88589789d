import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '@robustjs/core';
import type { Images } from '@robustjs/core';
import type { ThreatModel } from './types';

/**
 * Checks an attack's candidate against the threat model: same shape as `x`, every image within ε of its clean
 * image in the norm (float32 slack 1e-5) and inside [0,1], and images from `controlled` on (bystanders of a mixed
 * batch) exactly unchanged; throws otherwise (the caller frees the candidates) (internal).
 */
export function checkCandidate(xAdv: unknown, x: Images, threat: ThreatModel, what: string, controlled?: number): void {
  const fail = (msg: string): never => {
    assert(false, 'OUT_OF_RANGE', () => `'evaluateDefense': attack ${what} ${msg}. The attack is broken: fix its projection.`);
    throw new Error('unreachable');
  };
  if (!(xAdv instanceof tf.Tensor) || xAdv.shape.join() !== x.shape.join()) {
    fail(`returned ${describeValue(xAdv instanceof tf.Tensor ? xAdv.shape : xAdv)} instead of images of shape ${describeValue(x.shape)}`);
  }
  const [dist, lo, hi] = tf.tidy(() => {
    const d = tf.sub(xAdv as Images, x);
    const perImage = threat.norm === 'linf' ? tf.max(tf.abs(d), [1, 2, 3]) : tf.sqrt(tf.sum(tf.square(d), [1, 2, 3]));
    return [tf.max(perImage), tf.min(xAdv as Images), tf.max(xAdv as Images)].map((t) => t.dataSync()[0] as number);
  }) as [number, number, number];
  if (!(dist <= threat.eps + 1e-5 && lo >= 0 && hi <= 1)) {
    fail(`returned images outside the ${threat.norm} ball of radius ${threat.eps} ∩ [0,1] (distance ${dist}, range [${lo}, ${hi}])`);
  }
  const n = x.shape[0];
  if (controlled === undefined || controlled >= n) return;
  const moved = tf.tidy(() => {
    const rest = [n - controlled, -1, -1, -1];
    const a = tf.slice(xAdv as Images, [controlled, 0, 0, 0], rest);
    const b = tf.slice(x, [controlled, 0, 0, 0], rest);
    return tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] as number;
  });
  if (moved !== 0) {
    fail(`changed bystander images (from index ${controlled} of the batch, by up to ${moved}): it controls only the ` +
      `first ${controlled} images of each batch`);
  }
}
