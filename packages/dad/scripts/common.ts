/**
 * Shared pieces of the DAD scripts: paths, data splits, MMA settings and loading the shipped defense.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { mma } from '@robustjs/attacks';
import type { BackendInfo, Classifier, Images, Labels } from '@robustjs/core';
import { loadFeaturizer, referenceClassifier } from '@robustjs/zoo/node';
import type { Dataset } from '@robustjs/datasets';
import { dadDefense, type DadDefense } from '../src/index';
import { loadDad, type DadManifest } from '../src/node';

/** packages/zoo/models/dad: the shipped weights and their manifest. */
export const DAD_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'zoo', 'models', 'dad');
/** Scratch folder for checkpoints and cached MMA data (git-ignored). */
export const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '.train-cache');

/** DAD's MMA settings scaled to Fashion-MNIST: l_inf eps 0.1, step eps/4 (DAD: 8/255 and 2/255), 10 steps, k = 3, κ = 50. */
export const MMA_SETTINGS = Object.freeze({ eps: 0.1, stepSize: 0.025, steps: 10, k: 3, confidence: 50 });

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** `backend + native oneDNN kernels` when registered. */
export function backendLabel(info: BackendInfo): string {
  return [info.name, ...info.tried.filter((t) => t.name === 'native' && t.ok).map(() => 'native oneDNN kernels')].join(' + ');
}

/** SHA-256 of the IDX files behind a Debian/embedded dataset. */
export async function dataFiles(ds: Dataset, split: 'train' | 't10k'): Promise<{ name: string; sha256: string }[]> {
  const dir = ds.source.slice(ds.source.indexOf(':') + 1);
  const out: { name: string; sha256: string }[] = [];
  for (const base of [`${split}-images-idx3-ubyte`, `${split}-labels-idx1-ubyte`]) {
    const file = [`${base}.gz`, base].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (file === undefined) continue;
    out.push({ name: file.slice(file.lastIndexOf('/') + 1), sha256: sha256(await readFile(file)) });
  }
  return out;
}

/** MMA adversarial examples in chunks (bounded memory), with the shipped settings. */
export async function mmaInChunks(classifier: Classifier, x: Images, y: Labels, seed: number, chunk = 250, log?: (done: number) => void): Promise<Images> {
  const parts: tf.Tensor4D[] = [];
  const n = x.shape[0];
  for (let s = 0; s < n; s += chunk) {
    const size = Math.min(chunk, n - s);
    const xb = tf.slice(x, s, size) as Images;
    const yb = tf.slice(y, s, size) as Labels;
    parts.push(mma(classifier, xb, yb, { ...MMA_SETTINGS, seed: seed + s }));
    tf.dispose([xb, yb]);
    log?.(s + size);
    await tf.nextFrame();
  }
  const out = tf.concat(parts, 0) as Images;
  tf.dispose(parts);
  return out;
}

/** The shipped DAD defense: the zoo classifier and featurizer, and the folder read by `loadDad` (checksums verified, the manifest's θ). */
export async function loadShippedDad(): Promise<{ defense: DadDefense; classifier: Classifier; manifest: DadManifest; dispose: () => void }> {
  const classifier = await referenceClassifier();
  const dad = await loadDad(DAD_DIR, { featurizer: await loadFeaturizer() });
  const defense = dadDefense({ classifier, detector: dad.detector, denoiser: dad.denoiser, threshold: dad.threshold.value });
  return { defense, classifier, manifest: dad.manifest, dispose: dad.dispose };
}
