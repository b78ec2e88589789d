import * as tf from '@tensorflow/tfjs';
import { RobustError } from '@robustjs/core';
import { FEATURE_LAYER } from './architectures';

/**
 * Cuts the zoo's full featurizer classifier at its `features` layer, giving DAD's frozen φ (browsers and Node).
 *
 * @param full - the zoo `'featurizer'` model as loaded ({@link loadZooModelFromUrl} or `loadZooModel` from
 *   `@robustjs/zoo/node`): images `[N,28,28,1]` → logits `[N,10]`. It stays owned by the caller; the returned
 *   model shares its weights, so dispose only one of them.
 * @returns a `tf.LayersModel`: images `[N,28,28,1]` in [0,1] → features `[N,64]` (non-negative, after relu).
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` when `full` has no `features` layer.
 * @example
 * ```ts
 * const phi = featureModel(await loadZooModelFromUrl('featurizer', modelsUrl));
 * const features = phi.predict(x) as tf.Tensor2D; // [N,64]
 * ```
 */
export function featureModel(full: tf.LayersModel): tf.LayersModel {
  let layer: tf.layers.Layer;
  try {
    layer = full.getLayer(FEATURE_LAYER);
  } catch (cause) {
    throw new RobustError(
      'INVALID_ARGUMENT',
      `Argument 'full' passed to 'featureModel' must be the zoo featurizer ` +
        `(a model with a '${FEATURE_LAYER}' layer), got model '${full.name}'. Load it with name 'featurizer'.`,
      { cause },
    );
  }
  return tf.model({
    inputs: full.inputs,
    outputs: layer.output,
    name: 'robustjs_zoo_featurizer_features',
  });
}
