import * as tf from '@tensorflow/tfjs';

/** The names of the models in the zoo. */
export type ZooModelName = 'cnn' | 'featurizer';

function conv(filters: number, strides: number, seed: number, inputShape?: [number, number, number]): tf.layers.Layer {
  return tf.layers.conv2d({
    filters,
    kernelSize: 3,
    strides,
    padding: 'same',
    activation: 'relu',
    kernelInitializer: tf.initializers.heNormal({ seed }),
    ...(inputShape === undefined ? {} : { inputShape }),
  });
}

function dense(units: number, seed: number, activation: 'relu' | 'linear', name?: string): tf.layers.Layer {
  return tf.layers.dense({
    units,
    activation,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    ...(name === undefined ? {} : { name }),
  });
}

/** Name of the featurizer's 64-d penultimate layer. */
export const FEATURE_LAYER = 'features';

/**
 * Builds an untrained zoo architecture (`tf.sequential`, input `[N,28,28,1]` in [0,1], output `[N,10]` logits):
 *
 * - `cnn` (the benchmark's reference CNN with one batch normalisation and one hidden dense layer added):
 *   conv 32 → conv 64 stride 2 (3×3, same, relu) → conv 128 stride 2 (3×3, same, no bias) → batch norm → relu →
 *   global average pool → dense 128 relu → dense 10.
 * - `featurizer`: conv 32 → conv 64 stride 2 → conv 64 stride 2 (3×3, same, relu) → global average pool →
 *   dense 64 relu (named `features`, the 64-d features) → dense 10.
 *
 * @param name - which architecture.
 * @param seed - seed of the weight initialisers.
 * @returns a new, uncompiled `tf.Sequential`.
 * @example
 * ```ts
 * const model = buildArchitecture('cnn', 0);
 * ```
 */
export function buildArchitecture(name: ZooModelName, seed: number): tf.Sequential {
  const model = tf.sequential({ name: `robustjs_zoo_${name}` });
  if (name === 'cnn') {
    model.add(conv(32, 1, seed, [28, 28, 1]));
    model.add(conv(64, 2, seed + 1));
    model.add(tf.layers.conv2d({
      filters: 128,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: seed + 2 }),
    }));
    model.add(tf.layers.batchNormalization({}));
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.globalAveragePooling2d({}));
    model.add(dense(128, seed + 3, 'relu'));
    model.add(dense(10, seed + 4, 'linear', 'logits'));
  } else {
    model.add(conv(32, 1, seed, [28, 28, 1]));
    model.add(conv(64, 2, seed + 1));
    model.add(conv(64, 2, seed + 2));
    model.add(tf.layers.globalAveragePooling2d({}));
    model.add(dense(64, seed + 3, 'relu', FEATURE_LAYER));
    model.add(dense(10, seed + 4, 'linear', 'logits'));
  }
  return model;
}
