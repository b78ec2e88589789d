import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, describeValue, readClassifyOptions } from '@robustjs/core';
import type { Classifier, Defense } from '@robustjs/core';

/**
 * The undefended classifier as a {@link Defense}: logits `[N,K]` of the images as given, deterministic (the seed
 * is ignored), attacked with exact gradients through the classifier.
 *
 * @param classifier - images `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * @param options - `label`, default `'Undefended'`.
 * @returns the defense; `info` is `{}`.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a classifier that is not a function or
 *   a label that is not a non-empty string; at call time the image checks of core.
 * @example
 * ```ts
 * const base = undefended(classifier);
 * const { logits } = base.classify(x, { seed: 1 }); // [N,K]
 * ```
 */
export function undefended(classifier: Classifier, options: { readonly label?: string } = {}): Defense<Record<string, never>> {
  const fn = 'undefended';
  assert(typeof classifier === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'classifier' passed to '${fn}' must be a function (x [N,H,W,C] in [0,1]) => logits [N,K], got ${describeValue(classifier)}.`);
  const unknown = Object.keys(options).filter((k) => k !== 'label');
  assert(unknown.length === 0, 'UNKNOWN_OPTION', () => `'${fn}' got unknown option(s) ${unknown.join(', ')}; known: label.`);
  const label = options.label ?? 'Undefended';
  assert(typeof label === 'string' && label.length > 0, 'INVALID_ARGUMENT', () =>
    `Option 'label' passed to '${fn}' must be a non-empty string, got ${describeValue(label)}.`);
  const surface = Object.freeze({
    model: (x: tf.Tensor4D) => classifier(x),
    randomized: false,
    gradient: 'exact' as const,
    description: 'the classifier',
    terms: Object.freeze({}),
    recommendedAttacks: Object.freeze([{ name: 'pgd-eot' }]),
    minBatchSize: 1,
  });
  const defense: Defense<Record<string, never>> = {
    label,
    surface,
    classify(x, options) {
      const call = `${fn}.classify`;
      const { keepImages } = readClassifyOptions(options, call); // the seed is checked, then ignored: deterministic
      assertImages(x, 'x', call);
      const logits = tf.tidy(() => classifier(x));
      return keepImages ? { logits, images: tf.clone(x), info: {} } : { logits, info: {} };
    },
    describe: () => ({ label, kind: 'undefended', modifies: null, settings: {}, surface: surface.description }),
    dispose() {},
  };
  return Object.freeze(defense);
}
