import * as tf from '@tensorflow/tfjs';
import { classifierFromLayersModel, type Classifier } from '@robustjs/core';
import { featureModel } from './featureModel';
import { loadZooModel, type LoadZooModelOptions } from './loadZooModel';

/**
 * Loads the reference CNN classifier trained on Fashion-MNIST (Node only; architecture, accuracy and the
 * command that made it are in {@link zooManifest}).
 *
 * @param options - `dir` (default: the package's `models/` folder).
 * @returns a `tf.LayersModel`: images `[N,28,28,1]` in [0,1] → logits `[N,10]`. The caller disposes it.
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` naming a file whose SHA-256 differs from the manifest.
 * @example
 * ```ts
 * const model = await loadReferenceCnn();
 * const logits = model.predict(x) as tf.Tensor2D; // [N,10]
 * ```
 */
export function loadReferenceCnn(options?: LoadZooModelOptions): Promise<tf.LayersModel> {
  return loadZooModel('cnn', options);
}

/**
 * The reference CNN as a core `Classifier` (Node only): images `[N,28,28,1]` in [0,1] → logits `[N,10]`,
 * differentiable, ready for the attacks.
 *
 * @param options - `dir` (default: the package's `models/` folder).
 * @returns the classifier (its model lives as long as the process; the weights are about 1 MB).
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` naming a file whose SHA-256 differs from the manifest.
 * @example
 * ```ts
 * const f = await referenceClassifier();
 * const predictions = tf.argMax(f(x), 1); // [N]
 * ```
 */
export async function referenceClassifier(options?: LoadZooModelOptions): Promise<Classifier> {
  return classifierFromLayersModel(await loadReferenceCnn(options));
}

/**
 * Loads DAD's frozen featurizer φ (Node only): a CNN trained separately from the reference classifier (other
 * architecture, other seed), cut at its penultimate layer.
 *
 * @param options - `dir` (default: the package's `models/` folder).
 * @returns a `tf.LayersModel`: images `[N,28,28,1]` in [0,1] → features `[N,64]` (non-negative, after relu).
 *   The caller disposes it.
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` naming a file whose SHA-256 differs from the manifest.
 * @example
 * ```ts
 * const phi = await loadFeaturizer();
 * const features = phi.predict(x) as tf.Tensor2D; // [N,64]
 * ```
 */
export async function loadFeaturizer(options?: LoadZooModelOptions): Promise<tf.LayersModel> {
  return featureModel(await loadZooModel('featurizer', options));
}
