import * as tf from '@tensorflow/tfjs';
import { eot, pgd, type RandomizedClassifier } from '@robustjs/attacks';
import { seedStream, type Classifier, type Images, type Labels } from '@robustjs/core';
import type { AttackSettings } from '../protocol';

/** The step size in force: the protocol's, or 2.5·ε/steps. */
export function stepSizeOf(attack: AttackSettings): number {
  return attack.stepSize ?? (2.5 * attack.eps) / Math.max(attack.steps, 1);
}

/**
 * PGD (+EOT when `model` is randomized) on a batch in chunks of `chunkSize` images (memory), each chunk with its own
 * seeds derived from `seed` and the chunk's position, so the result depends only on the batch, never on the run (internal).
 *
 * @param model - a deterministic classifier (`randomized: false`) or a randomized one `(x, seed) => logits`.
 * @param randomized - whether `model` takes a seed (then EOT averages `attack.eot` draws).
 * @param x - clean images `[B,H,W,C]`.
 * @param y - labels `[B]`.
 * @param attack - the settings.
 * @param seed - the batch's attack seed.
 * @param chunkSize - images per attack call.
 * @param onProgress - called with the number of images attacked so far.
 * @returns adversarial images `[B,H,W,C]`.
 */
export function pgdEot(model: Classifier | RandomizedClassifier, randomized: boolean, x: Images, y: Labels, attack: AttackSettings,
  seed: number, chunkSize: number, onProgress?: (done: number) => void): Images {
  const n = x.shape[0];
  const seeds = seedStream(seed);
  const parts: tf.Tensor4D[] = [];
  for (let s = 0; s < n; s += chunkSize) {
    const size = Math.min(chunkSize, n - s);
    const xb = tf.slice(x, [s, 0, 0, 0], [size, -1, -1, -1]) as Images;
    const yb = tf.slice(y, [s], [size]) as Labels;
    const chunkSeed = seeds.next() + 1;
    const target: Classifier = randomized
      ? eot(model as RandomizedClassifier, { samples: attack.eot, seed: chunkSeed })
      : (model as Classifier);
    parts.push(pgd(target, xb, yb, {
      eps: attack.eps, stepSize: stepSizeOf(attack), steps: attack.steps, norm: attack.norm,
      randomStart: attack.randomStart, seed: chunkSeed,
    }));
    tf.dispose([xb, yb]);
    onProgress?.(s + size);
  }
  if (parts.length === 1) return parts[0] as Images;
  const out = tf.concat(parts, 0) as Images;
  tf.dispose(parts);
  return out;
}

/** Argmax of logits as an `Int32Array` (internal). */
export function argmax(logits: tf.Tensor2D): Int32Array {
  const t = tf.argMax(logits, 1);
  const out = Int32Array.from(t.dataSync());
  t.dispose();
  return out;
}
