// The classifier object the PyTorch-imported architectures return, and what they share:
// the input check, the optional normalisation, eval-mode BatchNorm and parameter counting.
import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '@robustjs/core';
import type { Images, Logits, TorchParam } from '@robustjs/core';

/** Per-channel normalisation `(x - mean) / std` inside a classifier, one value per channel. */
export interface ChannelNormalization {
  /** The channel means, e.g. ImageNet's `[0.485, 0.456, 0.406]`. */
  readonly mean: readonly number[];
  /** The channel standard deviations (> 0), e.g. ImageNet's `[0.229, 0.224, 0.225]`. */
  readonly std: readonly number[];
}

/**
 * A classifier built from PyTorch weights: images `[N,H,W,C]` in [0,1] → logits `[N,K]`,
 * differentiable with respect to the images (core's `Classifier` contract), plus what it was
 * built from.
 */
export interface TorchClassifier<C> {
  /** Logits `[N,K]` of images `[N,H,W,C]` in [0,1]; the caller disposes the result. */
  (x: Images): Logits;
  /** The resolved, frozen config. */
  readonly config: Readonly<C>;
  /** The architecture's name, e.g. `'wrn-28-10'`. */
  readonly architecture: string;
  /** Learned parameters (BatchNorm running statistics excluded), as PyTorch counts them. */
  readonly parameterCount: number;
  /** Frees the weights; the classifier must not be called afterwards. */
  dispose(): void;
}

/** Whether a torch key is a BatchNorm running statistic (a buffer, not a learned parameter). */
export function isBatchNormBuffer(name: string): boolean {
  return (
    name.endsWith('.running_mean') ||
    name.endsWith('.running_var') ||
    name.endsWith('.num_batches_tracked')
  );
}

/**
 * Learned parameters of an architecture, as `sum(p.numel() for p in model.parameters())`:
 * every tensor but BatchNorm running statistics.
 *
 * @param params - the architecture's tensors, e.g. `wideResNetParams(config)`.
 * @returns the count.
 * @example
 * ```ts
 * torchParameterCount(wideResNetParams({ depth: 28, width: 10 })); // 36479194
 * ```
 */
export function torchParameterCount(params: readonly TorchParam[]): number {
  return params
    .filter((p) => !isBatchNormBuffer(p.name))
    .reduce((sum, p) => sum + p.shape.reduce((a, b) => a * b, 1), 0);
}

/** The four tensors of a `BatchNorm2d` named `prefix` (`weight`, `bias`, running statistics). */
export function batchNormParams(prefix: string, channels: number): TorchParam[] {
  return ['weight', 'bias', 'running_mean', 'running_var'].map((s) => ({
    name: `${prefix}.${s}`,
    shape: [channels],
    layout: 'plain' as const,
  }));
}

/** An eval-mode BatchNorm folded to `x·scale + shift` (both `[C]`). */
export interface FoldedBatchNorm {
  readonly scale: tf.Tensor1D;
  readonly shift: tf.Tensor1D;
}

/**
 * Folds `BatchNorm2d` `prefix` in eval mode: scale = γ / √(running_var + eps),
 * shift = β − running_mean · scale. The new tensors are kept (not tidied away).
 */
export function foldBatchNorm(w: tf.NamedTensorMap, prefix: string, eps: number): FoldedBatchNorm {
  return tf.tidy(() => {
    const get = (s: string): tf.Tensor => w[`${prefix}.${s}`] as tf.Tensor;
    const scale = tf.div(get('weight'), tf.sqrt(tf.add(get('running_var'), eps))) as tf.Tensor1D;
    const shift = tf.sub(get('bias'), tf.mul(get('running_mean'), scale)) as tf.Tensor1D;
    return { scale: tf.keep(scale), shift: tf.keep(shift) };
  });
}

/** Applies a folded BatchNorm to `[N,H,W,C]`. */
export function applyBatchNorm(x: tf.Tensor4D, bn: FoldedBatchNorm): tf.Tensor4D {
  return tf.add(tf.mul(x, bn.scale), bn.shift);
}

/** The weights a classifier keeps: copies it owns, and its BatchNorms folded (internal). */
export interface OwnedWeights {
  /** A copy of weight `name` (the caller's map is not kept); typed a conv weight by default. */
  keep<T extends tf.Tensor = tf.Tensor4D>(name: string): T;
  /** BatchNorm `prefix` folded for eval mode. */
  bn(prefix: string): FoldedBatchNorm;
  /** Every tensor made so far, for the classifier's `dispose`. */
  readonly owned: tf.Tensor[];
}

/**
 * Checks that `weights` holds every tensor of `params` (`NOT_FOUND` naming the first missing
 * one and the params function that lists them), then returns the copy-and-fold helpers a
 * classifier is built with.
 */
export function ownWeights(weights: tf.NamedTensorMap, params: readonly TorchParam[], bnEps: number,
  fn: string, paramsFn: string): OwnedWeights {
  for (const p of params) {
    assert(weights[p.name] instanceof tf.Tensor, 'NOT_FOUND', () =>
      `Argument 'weights' passed to '${fn}' has no tensor '${p.name}'; load them with ` +
        `importTorchTensors and ${paramsFn}(config).`);
  }
  const owned: tf.Tensor[] = [];
  return {
    owned,
    keep<T extends tf.Tensor = tf.Tensor4D>(name: string): T {
      const t = tf.clone(weights[name] as T);
      owned.push(t);
      return t;
    },
    bn(prefix: string): FoldedBatchNorm {
      const f = foldBatchNorm(weights, prefix, bnEps);
      owned.push(f.scale, f.shift);
      return f;
    },
  };
}

/** Checks a normalisation option: `channels` finite means and positive stds. */
export function checkNormalization(
  n: ChannelNormalization | null,
  channels: number,
  fn: string,
): void {
  if (n === null) return;
  const ok =
    typeof n === 'object' &&
    Array.isArray(n.mean) &&
    Array.isArray(n.std) &&
    n.mean.length === channels &&
    n.std.length === channels &&
    n.mean.every((v) => Number.isFinite(v)) &&
    n.std.every((v) => Number.isFinite(v) && v > 0);
  assert(
    ok,
    'INVALID_ARGUMENT',
    () =>
      `Option 'normalize' passed to '${fn}' must be null or {mean, std} ` +
      `with ${channels} finite values ` +
      `each (std > 0), got ${describeValue(n)}.`,
  );
}

/**
 * Wraps a forward pass as a {@link TorchClassifier}: checks the input's rank and channels (no data
 * download), applies the normalisation, runs `forward` inside `tf.tidy`.
 */
export function makeTorchClassifier<C extends { readonly normalize: ChannelNormalization | null }>(
  architecture: string,
  config: Readonly<C>,
  channels: number,
  parameterCount: number,
  forward: (x: tf.Tensor4D) => tf.Tensor2D,
  owned: tf.Tensor[],
): TorchClassifier<C> {
  const norm =
    config.normalize === null
      ? null
      : {
          mean: tf.keep(tf.tensor1d([...config.normalize.mean])),
          std: tf.keep(tf.tensor1d([...config.normalize.std])),
        };
  const all = norm === null ? owned : [...owned, norm.mean, norm.std];
  const classify = (x: Images): Logits => {
    assert(
      x instanceof tf.Tensor && !x.isDisposed && x.rank === 4 && x.shape[3] === channels,
      'INVALID_ARGUMENT',
      () =>
        `Argument 'x' passed to the ${architecture} classifier must be live images ` +
        `[N,H,W,${channels}] ` +
        `in [0,1], got ${
          x instanceof tf.Tensor ? `shape ${describeValue(x.shape)}` : describeValue(x)
        }.`,
    );
    return tf.tidy(() => forward(norm === null ? x : tf.div(tf.sub(x, norm.mean), norm.std)));
  };
  return Object.assign(classify, {
    config,
    architecture,
    parameterCount,
    dispose: () => tf.dispose(all),
  });
}
