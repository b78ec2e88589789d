import * as tf from '@tensorflow/tfjs';
import type { Images } from '@robustjs/core';
import { argmax, pgdEot } from './pgdEot';
import { resolveDefenseOptions } from './options';
import type { DefenseAdapter } from './types';

/** The undefended classifier: plain PGD (no EOT: the model is deterministic). Options: none. */
export const noneDefense: DefenseAdapter = {
  name: 'none',
  defaults: Object.freeze({}),
  async create(spec, context, where) {
    const { label } = resolveDefenseOptions(spec, {}, where);
    const { classifier } = context;
    return {
      label: label ?? 'Undefended',
      base: undefined,
      settings: Object.freeze({}),
      attackDescription: 'PGD on the classifier (deterministic: EOT 1)',
      classify(x: Images, _seed: number, keepPurified: boolean) {
        const predictions = tf.tidy(() => argmax(classifier(x)));
        return keepPurified ? { predictions, purified: tf.clone(x) } : { predictions };
      },
      attack(x, y, attack, seed, onProgress) {
        return [pgdEot(classifier, false, x, y, attack, seed, context.protocol.chunkSize, onProgress)];
      },
      dispose() {},
    };
  },
};
