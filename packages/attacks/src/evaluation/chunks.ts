import * as tf from '@tensorflow/tfjs';
import { seedStream } from '@robustjs/core';
import type { AttackSurface, Classifier, Images, Labels } from '@robustjs/core';
import { eot } from '../eot';

/**
 * Runs a per-chunk attack over a batch (internal; shared by the evaluation attacks): chunk c (images
 * `[c·chunkSize, …)` of the first `controlled` images) gets seed s_c = the c-th `nextSeed()` of `seed`;
 * the chunks' results are concatenated, then the images from `controlled` on, unchanged. Frees what it
 * made when a chunk throws.
 *
 * @param x - clean images `[B,H,W,C]`.
 * @param y - labels `[B]`.
 * @param options - `chunkSize`, `seed` (the batch's attack seed), `controlled` (default B),
 *   `onProgress` (images done).
 * @param attackChunk - the attack of one chunk `[b,H,W,C]`; its inputs are freed after it returns.
 * @returns the adversarial batch `[B,H,W,C]` (the caller disposes it).
 */
export function attackInChunks(
  x: Images,
  y: Labels,
  options: {
    readonly chunkSize: number;
    readonly seed: number;
    readonly controlled?: number;
    readonly onProgress?: (done: number) => void;
  },
  attackChunk: (xb: Images, yb: Labels, chunkSeed: number) => Images,
): Images {
  const batch = x.shape[0];
  const n = options.controlled ?? batch;
  const seeds = seedStream(options.seed);
  const parts: Images[] = [];
  try {
    for (let s = 0; s < n; s += options.chunkSize) {
      const size = Math.min(options.chunkSize, n - s);
      const chunkSeed = seeds.nextSeed();
      const xb = tf.slice(x, [s, 0, 0, 0], [size, -1, -1, -1]) as Images;
      const yb = tf.slice(y, [s], [size]) as Labels;
      try {
        parts.push(attackChunk(xb, yb, chunkSeed));
      } finally {
        tf.dispose([xb, yb]);
      }
      options.onProgress?.(s + size);
    }
    if (n < batch) parts.push(tf.slice(x, [n, 0, 0, 0], [batch - n, -1, -1, -1]) as Images);
  } catch (e) {
    tf.dispose(parts);
    throw e;
  }
  if (parts.length === 1) return parts[0] as Images;
  const out = tf.concat(parts, 0) as Images;
  tf.dispose(parts);
  return out;
}

/**
 * The classifier a gradient attack targets on a surface (internal): `surface.model` averaged over
 * `samples` draws seeded from `seed` (`eot`) when the surface is randomized, else `surface.model(x, 1)`.
 *
 * @param surface - the defense's attack surface.
 * @param samples - EOT draws.
 * @param seed - seed of the draws.
 * @returns images `[N,H,W,C]` → logits `[N,K]`.
 */
export function surfaceClassifier(surface: AttackSurface, samples: number, seed: number): Classifier {
  return surface.randomized ? eot(surface.model, { samples, seed }) : (xx) => surface.model(xx, 1);
}

/**
 * Sums `count` gradients `draw(d)` (EOT), freeing each partial sum (internal).
 *
 * @param count - draws, ≥ 1.
 * @param draw - the d-th gradient `[B,H,W,C]`.
 * @returns the sum (the caller disposes it).
 */
export function sumOfDraws(count: number, draw: (d: number) => Images): Images {
  let sum = draw(0);
  for (let d = 1; d < count; d++) {
    const g = draw(d);
    const next = tf.add(sum, g) as Images;
    tf.dispose([sum, g]);
    sum = next;
  }
  return sum;
}
