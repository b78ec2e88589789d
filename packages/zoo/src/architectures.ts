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

/** Dropout rate before the CNN's hidden dense layer (active only in training). */
const CNN_DROPOUT = 0.3;

/**
 * Builds an untrained zoo architecture (`tf.sequential`, input `[N,28,28,1]` in [0,1], output `[N,10]` logits):
 *
 * - `cnn` (the reference classifier): conv 32 → conv 64 stride 2 (3×3, same, relu) → conv 32 stride 2
 *   (3×3, same, no bias) → batch norm → relu → flatten (7·7·32 = 1568) → dropout 0.3 → dense 128 relu → dense 10.
 * - `featurizer`: conv 32 → conv 64 stride 2 → conv 32 stride 2 (3×3, same, relu) → flatten (1568) →
 *   dense 64 relu (named `features`, the 64-d features) → dense 10.
 *
 * Both keep the 7×7 spatial map (flatten, not global average pooling): with global average pooling the
 * reference CNN stalled at 87.8 % test accuracy after 8 epochs. The dropout layer is unseeded, because a
 * seeded tfjs `Dropout` draws the same mask at every step; the training script seeds `Math.random` instead.
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
  model.add(conv(32, 1, seed, [28, 28, 1])); // [N,28,28,32]
  model.add(conv(64, 2, seed + 1)); // [N,14,14,64]
  if (name === 'cnn') {
    model.add(tf.layers.conv2d({
      filters: 32,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.heNormal({ seed: seed + 2 }),
    })); // [N,7,7,32]
    model.add(tf.layers.batchNormalization({}));
    model.add(tf.layers.activation({ activation: 'relu' }));
    model.add(tf.layers.flatten({})); // [N,1568]
    model.add(tf.layers.dropout({ rate: CNN_DROPOUT }));
    model.add(dense(128, seed + 3, 'relu'));
    model.add(dense(10, seed + 4, 'linear', 'logits'));
  } else {
    model.add(conv(32, 2, seed + 2)); // [N,7,7,32]
    model.add(tf.layers.flatten({})); // [N,1568]
    model.add(dense(64, seed + 3, 'relu', FEATURE_LAYER));
    model.add(dense(10, seed + 4, 'linear', 'logits'));
  }
  return model;
}
