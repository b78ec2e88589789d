// WideResNet-depth-width in RobustBench's layout
// (robustbench/model_zoo/architectures/wide_resnet.py, from TRADES): pre-activation
// BasicBlocks, ReLU, no normalisation inside, eval-mode BatchNorm.
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

/** Config of {@link wideResNet}; defaults in {@link WIDE_RESNET_DEFAULTS}. */
export interface WideResNetConfig {
  /** Depth d, with (d − 4) divisible by 6: (d − 4) / 6 blocks per group. */
  readonly depth: number;
  /** Widen factor k: the groups have 16k, 32k and 64k channels. */
  readonly width: number;
  /** Classes K. */
  readonly numClasses: number;
  /** Whether `fc` has a bias (`bias_last`). */
  readonly biasLast: boolean;
  /** Whether the checkpoint holds TRADES' unused `sub_block1` (read and dropped). */
  readonly subBlock1: boolean;
  /** BatchNorm epsilon. */
  readonly bnEps: number;
  /** Normalisation inside the model (`null` for RobustBench's Standard models). */
  readonly normalize: ChannelNormalization | null;
}

/** Defaults of {@link WideResNetConfig}: WRN-28-10 for CIFAR-10, RobustBench's `Standard`. */
export const WIDE_RESNET_DEFAULTS: Readonly<WideResNetConfig> = Object.freeze({
  depth: 28,
  width: 10,
  numClasses: 10,
  biasLast: true,
  subBlock1: false,
  bnEps: 1e-5,
  normalize: null as ChannelNormalization | null,
});

interface BlockSpec {
  readonly prefix: string;
  readonly inPlanes: number;
  readonly outPlanes: number;
  readonly stride: number;
}

/** The BasicBlocks in order: three groups of (d − 4) / 6, strides 1, 2, 2. */
function blocks(c: WideResNetConfig, group = ['block1', 'block2', 'block3']): BlockSpec[] {
  const n = (c.depth - 4) / 6;
  const ch = [16, 16 * c.width, 32 * c.width, 64 * c.width];
  const out: BlockSpec[] = [];
  const groupIndex: Readonly<Record<string, number>> = {
    block1: 0,
    sub_block1: 0,
    block2: 1,
    block3: 2,
  };
  for (const g of group) {
    const at = groupIndex[g] as number;
    const stride = at === 0 ? 1 : 2;
    for (let i = 0; i < n; i++) {
      out.push({
        prefix: `${g}.layer.${i}`,
        inPlanes: i === 0 ? (ch[at] as number) : (ch[at + 1] as number),
        outPlanes: ch[at + 1] as number,
        stride: i === 0 ? stride : 1,
      });
    }
  }
  return out;
}

function resolve(
  config: Partial<WideResNetConfig> | undefined,
  fn: string,
): Readonly<WideResNetConfig> {
  const c = resolveOptions(fn, WIDE_RESNET_DEFAULTS, config);
  assert(
    Number.isInteger(c.depth) && c.depth >= 10 && (c.depth - 4) % 6 === 0,
    'INVALID_ARGUMENT',
    () =>
      `Option 'depth' passed to '${fn}' must be an integer ≥ 10 ` +
      'with depth − 4 divisible by 6 ' +
      `(10, 16, 22, 28, 34, 40, 70…), got ${describeValue(c.depth)}.`,
  );
  for (const key of ['width', 'numClasses'] as const) {
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
 * The tensors of a RobustBench WideResNet state dict, in `state_dict()` order without the
 * `num_batches_tracked` counters: `conv1`, `block{1,2,3}.layer.{i}.{bn1, conv1, bn2, conv2,
 * convShortcut}` (the shortcut only where the channels change), `bn1`, `fc`.
 *
 * @param config - {@link WideResNetConfig}; defaults {@link WIDE_RESNET_DEFAULTS} (WRN-28-10).
 * @returns `{name, shape, layout}` per tensor, torch names and shapes.
 * @throws {@link RobustError} `INVALID_ARGUMENT` / `UNKNOWN_OPTION` for a bad config.
 * @example
 * ```ts
 * wideResNetParams({ depth: 28, width: 10 }).length; // 130 (+ 25 num_batches_tracked in the file)
 * ```
 */
export function wideResNetParams(config?: Partial<WideResNetConfig>): TorchParam[] {
  const c = resolve(config, 'wideResNetParams');
  const conv = (name: string, o: number, i: number, k: number): TorchParam => ({
    name: `${name}.weight`,
    shape: [o, i, k, k],
    layout: 'oihw',
  });
  const groups = c.subBlock1 ? ['block1', 'sub_block1', 'block2', 'block3'] : undefined;
  const out: TorchParam[] = [conv('conv1', 16, 3, 3)];
  for (const b of blocks(c, groups)) {
    out.push(
      ...batchNormParams(`${b.prefix}.bn1`, b.inPlanes),
      conv(`${b.prefix}.conv1`, b.outPlanes, b.inPlanes, 3),
      ...batchNormParams(`${b.prefix}.bn2`, b.outPlanes),
      conv(`${b.prefix}.conv2`, b.outPlanes, b.outPlanes, 3),
    );
    if (b.inPlanes !== b.outPlanes)
      out.push(conv(`${b.prefix}.convShortcut`, b.outPlanes, b.inPlanes, 1));
  }
  const last = 64 * c.width;
  out.push(...batchNormParams('bn1', last), {
    name: 'fc.weight',
    shape: [c.numClasses, last],
    layout: 'linear',
  });
  if (c.biasLast) out.push({ name: 'fc.bias', shape: [c.numClasses], layout: 'plain' });
  return out;
}

/**
 * Builds a RobustBench WideResNet classifier from weights in tfjs layout (as `importTorchTensors`
 * returns them for {@link wideResNetParams}). The forward pass is RobustBench's: conv1; per
 * BasicBlock ReLU(BN1) → conv1 (stride) → ReLU(BN2) → conv2, plus the identity or, where the
 * channels change, `convShortcut` of the activated input; ReLU(BN1) → global average pool
 * (RobustBench's `avg_pool2d(·, 8)` on the 8×8 map of a 32×32 input) → fc. BatchNorm in eval
 * mode (running statistics).
 *
 * @param weights - tensors keyed by torch name in tfjs layout; read, not kept or disposed.
 * @param config - {@link WideResNetConfig}; default {@link WIDE_RESNET_DEFAULTS}.
 * @returns a classifier of images `[N,H,W,3]` in [0,1] (32×32 for CIFAR) → logits `[N,K]`; call
 *   `dispose()` when done.
 * @throws {@link RobustError} for a bad config, or `NOT_FOUND` when a weight is missing; calling
 *   it with anything but `[N,H,W,3]` images throws `INVALID_ARGUMENT`.
 * @example
 * ```ts
 * const raw = await readTorchCheckpoint('wrn-28-10.safetensors');
 * const w = importTorchTensors(raw, wideResNetParams(), { file: 'wrn-28-10.safetensors',
 *   architecture: 'wrn-28-10', ignore: (k) => k.endsWith('num_batches_tracked') });
 * const f = wideResNet(w);
 * tf.dispose([raw, w]);
 * const logits = f(x); // [N,10]
 * ```
 */
export function wideResNet(
  weights: tf.NamedTensorMap,
  config?: Partial<WideResNetConfig>,
): TorchClassifier<WideResNetConfig> {
  const fn = 'wideResNet';
  const c = resolve(config, fn);
  const params = wideResNetParams(c);
  const { keep, bn, owned } = ownWeights(weights, params, c.bnEps, fn, 'wideResNetParams');
  const stem = keep('conv1.weight');
  const body = blocks(c).map((b) => ({
    ...b,
    bn1: bn(`${b.prefix}.bn1`),
    conv1: keep(`${b.prefix}.conv1.weight`),
    bn2: bn(`${b.prefix}.bn2`),
    conv2: keep(`${b.prefix}.conv2.weight`),
    shortcut: b.inPlanes === b.outPlanes ? null : keep(`${b.prefix}.convShortcut.weight`),
  }));
  const head = bn('bn1');
  const fc = keep('fc.weight') as unknown as tf.Tensor2D; // [64k,K]
  const fcBias = c.biasLast ? (keep('fc.bias') as unknown as tf.Tensor1D) : null;
  const forward = (x: tf.Tensor4D): tf.Tensor2D => {
    let out = tf.conv2d(x, stem, 1, 1); // [N,H,W,16]
    for (const b of body) {
      const act = tf.relu(applyBatchNorm(out, b.bn1));
      const mid = tf.relu(applyBatchNorm(tf.conv2d(act, b.conv1, b.stride, 1), b.bn2));
      const res = tf.conv2d(mid, b.conv2, 1, 1); // [N,H/s,W/s,out]
      out = tf.add(b.shortcut === null ? out : tf.conv2d(act, b.shortcut, b.stride, 0), res);
    }
    const pooled = tf.mean(tf.relu(applyBatchNorm(out, head)), [1, 2]) as tf.Tensor2D; // [N,64k]
    const logits = tf.matMul(pooled, fc) as tf.Tensor2D; // [N,K]
    return fcBias === null ? logits : (tf.add(logits, fcBias) as tf.Tensor2D);
  };
  return makeTorchClassifier(
    `wrn-${c.depth}-${c.width}`,
    c,
    3,
    torchParameterCount(params),
    forward,
    owned,
  );
}
