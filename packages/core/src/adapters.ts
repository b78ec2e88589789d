import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from './errors';
import type { Classifier, Images, Logits } from './types';

/** Options of the classifier adapters. */
export interface ClassifierAdapterOptions {
  /**
   * Per-channel normalisation applied inside the classifier: `(x - mean) / std`, each a number or one
   * value per channel. Default: none (the model takes [0,1] images as they are).
   */
  readonly normalize?: { readonly mean: number | readonly number[]; readonly std: number | readonly number[] };
  /**
   * Whether the model ends in a softmax and outputs probabilities; then the adapter returns their log
   * (a valid logit up to a per-row constant) so attacks see logits. Default `false`.
   */
  readonly outputsProbabilities?: boolean;
  /** For graph models with several outputs: the output node to use. Default: the model's first output. */
  readonly outputName?: string;
}

function normalizer(options: ClassifierAdapterOptions, fn: string): (x: Images) => tf.Tensor4D {
  const norm = options.normalize;
  if (norm === undefined) return (x) => x;
  const check = (v: number | readonly number[], name: string) => {
    const arr = typeof v === 'number' ? [v] : [...v];
    assert(arr.length > 0 && arr.every((a) => Number.isFinite(a)), 'INVALID_ARGUMENT', () =>
      `Option 'normalize.${name}' passed to '${fn}' must be a finite number or a non-empty array of them, got ${describeValue(v)}.`);
    if (name === 'std') {
      assert(arr.every((a) => a > 0), 'INVALID_ARGUMENT', () => `Option 'normalize.std' passed to '${fn}' must be > 0, got ${describeValue(v)}.`);
    }
    return arr;
  };
  const mean = check(norm.mean, 'mean');
  const std = check(norm.std, 'std');
  return (x) => {
    const c = x.shape[3];
    for (const [name, arr] of [['mean', mean], ['std', std]] as const) {
      assert(arr.length === 1 || arr.length === c, 'SHAPE_MISMATCH', () =>
        `Option 'normalize.${name}' passed to '${fn}' has ${arr.length} values but the images have ${c} channels.`);
    }
    return tf.div(tf.sub(x, tf.tensor1d(mean)), tf.tensor1d(std)) as tf.Tensor4D;
  };
}

function toLogits(out: tf.Tensor, options: ClassifierAdapterOptions, fn: string): Logits {
  assert(out.rank === 2, 'SHAPE_MISMATCH', () =>
    `The model wrapped by '${fn}' must output [N,K] logits, got shape ${describeValue(out.shape)}. Flatten or pick the classification head.`);
  return (options.outputsProbabilities ? tf.log(tf.maximum(out, 1e-12)) : out) as Logits;
}

/**
 * Wraps a tfjs-layers model as a {@link Classifier}: images `[N,H,W,C]` in [0,1] → logits `[N,K]`,
 * differentiable (attacks take gradients through it). Normalisation, if any, happens inside.
 *
 * @param model - a `tf.LayersModel` taking `[N,H,W,C]` and returning `[N,K]`.
 * @param options - `normalize` (default none), `outputsProbabilities` (default `false`).
 * @returns the classifier; it does not own the model (dispose the model yourself).
 * @throws {@link RobustError} `INVALID_ARGUMENT` for a non-model or bad normalisation; at call time
 *   `SHAPE_MISMATCH` when the output is not rank 2.
 * @example
 * ```ts
 * const model = await tf.loadLayersModel('file:///models/cnn/model.json');
 * const f = classifierFromLayersModel(model, { normalize: { mean: 0.5, std: 0.5 } });
 * const logits = f(images); // [N,10]
 * ```
 */
export function classifierFromLayersModel(model: tf.LayersModel, options: ClassifierAdapterOptions = {}): Classifier {
  assert(model instanceof tf.LayersModel, 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to 'classifierFromLayersModel' must be a tf.LayersModel, got ${describeValue(model)}. For a converted graph model use classifierFromGraphModel.`);
  const pre = normalizer(options, 'classifierFromLayersModel');
  return (x: Images) => tf.tidy(() => {
    const out = model.apply(pre(x), { training: false });
    assert(out instanceof tf.Tensor, 'SHAPE_MISMATCH', () => `The model wrapped by 'classifierFromLayersModel' has several outputs; wrap a single-output model.`);
    return toLogits(out, options, 'classifierFromLayersModel');
  });
}

/**
 * Wraps a converted tfjs graph model as a {@link Classifier}: images `[N,H,W,C]` in [0,1] → logits `[N,K]`.
 * Graph models are differentiable in tfjs when every op they use has a gradient.
 *
 * @param model - a `tf.GraphModel` taking `[N,H,W,C]`.
 * @param options - `normalize` (default none), `outputsProbabilities` (default `false`), `outputName`
 *   (default: the first output).
 * @returns the classifier; it does not own the model.
 * @throws {@link RobustError} `INVALID_ARGUMENT` for a non-model; at call time `SHAPE_MISMATCH` when
 *   the output is not rank 2.
 * @example
 * ```ts
 * const model = await tf.loadGraphModel('https://example.org/resnet/model.json');
 * const f = classifierFromGraphModel(model, { normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
 * ```
 */
export function classifierFromGraphModel(model: tf.GraphModel, options: ClassifierAdapterOptions = {}): Classifier {
  assert(model instanceof tf.GraphModel, 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to 'classifierFromGraphModel' must be a tf.GraphModel, got ${describeValue(model)}. For a layers model use classifierFromLayersModel.`);
  const pre = normalizer(options, 'classifierFromGraphModel');
  return (x: Images) => tf.tidy(() => {
    const input = pre(x);
    const out = options.outputName !== undefined ? model.execute(input, options.outputName) : model.predict(input);
    const t = Array.isArray(out) ? out[0] : out instanceof tf.Tensor ? out : Object.values(out)[0];
    assert(t instanceof tf.Tensor, 'SHAPE_MISMATCH', () => `The graph model wrapped by 'classifierFromGraphModel' returned no tensor output.`);
    return toLogits(t, options, 'classifierFromGraphModel');
  });
}
