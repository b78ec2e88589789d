// torchvision's ResNet with Bottleneck blocks (torchvision/models/resnet.py, "ResNet v1.5": the
// stride sits on the 3×3 conv), eval-mode BatchNorm, NHWC.
import * as tf from '@tensorflow/tfjs';
import { assert, describeValue, resolveOptions } from '@robustjs/core';
import type { TorchParam } from '@robustjs/core';
import {
  applyBatchNorm,
  batchNormParams,
  checkNormalization,
  makeTorchClassifier,
  ownWeights,
  torchParameterCount,
} from './torchClassifier';
import type { ChannelNormalization, TorchClassifier } from './torchClassifier';

/** Config of {@link resNet}; defaults in {@link RESNET_DEFAULTS} (torchvision's `resnet50`). */
export interface ResNetConfig {
  /** Bottleneck blocks per stage (`layers`): `[3,4,6,3]` for ResNet-50, `[3,4,23,3]` for 101. */
  readonly layers: readonly number[];
  /** Planes of the 4 stages (torchvision: `[64,128,256,512]`); a block outputs 4× planes. */
  readonly widths: readonly number[];
  /** Channels of the 7×7 stem conv (torchvision: 64). */
  readonly stemWidth: number;
  /** `width_per_group`: the 3×3 conv has planes·widthPerGroup/64 channels (wide: 128). */
  readonly widthPerGroup: number;
  /** Classes K. */
  readonly numClasses: number;
  /** BatchNorm epsilon. */
  readonly bnEps: number;
  /** Normalisation inside the model; default ImageNet's, which torchvision's weights expect. */
  readonly normalize: ChannelNormalization | null;
}

/** ImageNet's channel statistics, as torchvision's `transforms.Normalize` uses them. */
export const IMAGENET_NORMALIZATION: ChannelNormalization = Object.freeze({
  mean: Object.freeze([0.485, 0.456, 0.406]),
  std: Object.freeze([0.229, 0.224, 0.225]),
});

/** Defaults of {@link ResNetConfig}: torchvision's ResNet-50 with ImageNet normalisation inside. */
export const RESNET_DEFAULTS: Readonly<ResNetConfig> = Object.freeze({
  layers: Object.freeze([3, 4, 6, 3]),
  widths: Object.freeze([64, 128, 256, 512]),
  stemWidth: 64,
  widthPerGroup: 64,
  numClasses: 1000,
  bnEps: 1e-5,
  normalize: IMAGENET_NORMALIZATION as ChannelNormalization | null,
});

const EXPANSION = 4;

interface BottleneckSpec {
  readonly prefix: string;
  readonly inPlanes: number;
  readonly width: number;
  readonly outPlanes: number;
  readonly stride: number;
  readonly downsample: boolean;
}

/** torchvision's `_make_layer`: the first block of a stage strides and downsamples when needed. */
function bottlenecks(c: ResNetConfig): BottleneckSpec[] {
  const out: BottleneckSpec[] = [];
  let inPlanes = c.stemWidth;
  c.layers.forEach((count, s) => {
    const planes = c.widths[s] as number;
    const width = Math.floor(planes * (c.widthPerGroup / 64));
    for (let i = 0; i < count; i++) {
      const stride = i === 0 && s > 0 ? 2 : 1;
      out.push({
        prefix: `layer${s + 1}.${i}`,
        inPlanes,
        width,
        outPlanes: planes * EXPANSION,
        stride,
        downsample: i === 0 && (stride !== 1 || inPlanes !== planes * EXPANSION),
      });
      inPlanes = planes * EXPANSION;
    }
  });
  return out;
}

function resolve(config: Partial<ResNetConfig> | undefined, fn: string): Readonly<ResNetConfig> {
  const c = resolveOptions(fn, RESNET_DEFAULTS, config);
  for (const key of ['layers', 'widths'] as const) {
    const v = c[key];
    assert(
      Array.isArray(v) && v.length === 4 && v.every((n) => Number.isInteger(n) && n >= 1),
      'INVALID_ARGUMENT',
      () => `Option '${key}' passed to '${fn}' must be 4 integers ≥ 1, got ${describeValue(v)}.`,
    );
  }
  for (const key of ['stemWidth', 'widthPerGroup', 'numClasses'] as const) {
    assert(
      Number.isInteger(c[key]) && c[key] >= 1,
      'INVALID_ARGUMENT',
      () =>
        `Option '${key}' passed to '${fn}' must be an integer ≥ 1, got ${describeValue(c[key])}.`,
    );
  }
  assert(
    c.bnEps > 0,
    'INVALID_ARGUMENT',
    () => `Option 'bnEps' passed to '${fn}' must be > 0, got ${describeValue(c.bnEps)}.`,
  );
  checkNormalization(c.normalize, 3, fn);
  return c;
}

/**
 * The tensors of a torchvision ResNet state dict, in `state_dict()` order without the
 * `num_batches_tracked` counters: `conv1`, `bn1`, `layer{1..4}.{i}.{conv1, bn1, conv2, bn2, conv3,
 * bn3}` and `downsample.0` (conv) / `downsample.1` (BN) on each stage's first block, `fc`.
 *
 * @param config - {@link ResNetConfig}; default {@link RESNET_DEFAULTS} (ResNet-50).
 * @returns `{name, shape, layout}` per tensor, torch names and shapes.
 * @throws {@link RobustError} `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for a bad config.
 * @example
 * ```ts
 * torchParameterCount(resNetParams()); // 25557032
 * ```
 */
export function resNetParams(config?: Partial<ResNetConfig>): TorchParam[] {
  const c = resolve(config, 'resNetParams');
  const conv = (name: string, o: number, i: number, k: number): TorchParam => ({
    name: `${name}.weight`,
    shape: [o, i, k, k],
    layout: 'oihw',
  });
  const out: TorchParam[] = [
    conv('conv1', c.stemWidth, 3, 7),
    ...batchNormParams('bn1', c.stemWidth),
  ];
  for (const b of bottlenecks(c)) {
    const p = b.prefix;
    out.push(
      conv(`${p}.conv1`, b.width, b.inPlanes, 1),
      ...batchNormParams(`${p}.bn1`, b.width),
      conv(`${p}.conv2`, b.width, b.width, 3),
      ...batchNormParams(`${p}.bn2`, b.width),
      conv(`${p}.conv3`, b.outPlanes, b.width, 1),
      ...batchNormParams(`${p}.bn3`, b.outPlanes),
    );
    if (b.downsample) {
      out.push(
        conv(`${p}.downsample.0`, b.outPlanes, b.inPlanes, 1),
        ...batchNormParams(`${p}.downsample.1`, b.outPlanes),
      );
    }
  }
  const features = (c.widths[3] as number) * EXPANSION;
  out.push(
    { name: 'fc.weight', shape: [c.numClasses, features], layout: 'linear' },
    { name: 'fc.bias', shape: [c.numClasses], layout: 'plain' },
  );
  return out;
}

/**
 * Builds a torchvision ResNet (Bottleneck) classifier from weights in tfjs layout (as
 * `importTorchTensors` returns them for {@link resNetParams}): normalisation (default
 * ImageNet's) → conv1 7×7/2 (pad 3) → BN → ReLU → max-pool 3×3/2 (pad 1) → 4 stages of
 * Bottlenecks (1×1 → 3×3 with the stride → 1×1, BN after each, ReLU after the first two and
 * after the residual sum; `downsample` = 1×1 conv/stride + BN on the shortcut) → global average
 * pool → fc. BatchNorm in eval mode (running statistics).
 *
 * @param weights - tensors keyed by torch name in tfjs layout; read, not kept or disposed.
 * @param config - {@link ResNetConfig}; default {@link RESNET_DEFAULTS} (ResNet-50, ImageNet).
 * @returns a classifier of images `[N,H,W,3]` in [0,1] (224×224 for ImageNet) → logits `[N,K]`;
 *   call `dispose()` when done.
 * @throws {@link RobustError} for a bad config, or `NOT_FOUND` when a weight is missing; calling
 *   it with anything but `[N,H,W,3]` images throws `INVALID_ARGUMENT`.
 * @example
 * ```ts
 * const raw = await readTorchCheckpoint('resnet50.safetensors');
 * const w = importTorchTensors(raw, resNetParams(), { file: 'resnet50.safetensors',
 *   architecture: 'resnet-50', ignore: (k) => k.endsWith('num_batches_tracked') });
 * const f = resNet(w);
 * tf.dispose([raw, w]);
 * const logits = f(x); // [N,1000]
 * ```
 */
export function resNet(
  weights: tf.NamedTensorMap,
  config?: Partial<ResNetConfig>,
): TorchClassifier<ResNetConfig> {
  const fn = 'resNet';
  const c = resolve(config, fn);
  const params = resNetParams(c);
  const { keep, bn, owned } = ownWeights(weights, params, c.bnEps, fn, 'resNetParams');
  const stem = { conv: keep<tf.Tensor4D>('conv1.weight'), bn: bn('bn1') };
  const body = bottlenecks(c).map((b) => {
    const p = b.prefix;
    return {
      stride: b.stride,
      conv1: keep<tf.Tensor4D>(`${p}.conv1.weight`),
      bn1: bn(`${p}.bn1`),
      conv2: keep<tf.Tensor4D>(`${p}.conv2.weight`),
      bn2: bn(`${p}.bn2`),
      conv3: keep<tf.Tensor4D>(`${p}.conv3.weight`),
      bn3: bn(`${p}.bn3`),
      down: b.downsample
        ? { conv: keep<tf.Tensor4D>(`${p}.downsample.0.weight`), bn: bn(`${p}.downsample.1`) }
        : null,
    };
  });
  const fc = keep<tf.Tensor2D>('fc.weight'); // [4·widths[3],K]
  const fcBias = keep<tf.Tensor1D>('fc.bias');
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    const s = tf.relu(applyBatchNorm(tf.conv2d(x, stem.conv, 2, 3), stem.bn)); // [N,H/2,W/2,stem]
    let out = tf.maxPool(s, 3, 2, 1); // [N,H/4,W/4,stem]
    for (const b of body) {
      const h1 = tf.relu(applyBatchNorm(tf.conv2d(out, b.conv1, 1, 0), b.bn1));
      const h2 = tf.relu(applyBatchNorm(tf.conv2d(h1, b.conv2, b.stride, 1), b.bn2));
      const h3 = applyBatchNorm(tf.conv2d(h2, b.conv3, 1, 0), b.bn3); // [N,H',W',4·planes]
      const identity =
        b.down === null ? out : applyBatchNorm(tf.conv2d(out, b.down.conv, b.stride, 0), b.down.bn);
      out = tf.relu(tf.add(h3, identity)) as tf.Tensor4D;
    }
    const pooled = tf.mean(out, [1, 2]) as tf.Tensor2D; // [N,4·widths[3]]
    return tf.add(tf.matMul(pooled, fc), fcBias);
  };
  const name =
    c.layers.join() === '3,4,6,3' && c.widths.join() === '64,128,256,512' && c.stemWidth === 64
      ? c.widthPerGroup === 64
        ? 'resnet-50'
        : `wide-resnet-50-${c.widthPerGroup / 64}`
      : 'resnet';
  return makeTorchClassifier(name, c, 3, torchParameterCount(params), forward, owned);
}
