// The PyTorch classifier architectures by name: presets (wrn-28-10, resnet-50, …), `wrn-<d>-<w>`,
// and the table that maps a kind to its tensor list and builder.
import type * as tf from '@tensorflow/tfjs';
import { RobustError, describeValue } from '@robustjs/core';
import type { TorchParam } from '@robustjs/core';
import { resNet, resNetParams } from './resNet';
import type { ResNetConfig } from './resNet';
import type { TorchClassifier } from './torchClassifier';
import { wideResNet, wideResNetParams } from './wideResNet';
import type { WideResNetConfig } from './wideResNet';

/** The config of either family. */
export type TorchClassifierConfig = WideResNetConfig | ResNetConfig;

/** The architecture families: RobustBench's WideResNet and torchvision's Bottleneck ResNet. */
export type TorchClassifierKind = 'wideresnet' | 'resnet';

/** A named architecture: its family and the config overrides that define it. */
export interface TorchClassifierPreset {
  /** The family. */
  readonly kind: TorchClassifierKind;
  /** The config (over the family's defaults). */
  readonly config: Partial<WideResNetConfig> | Partial<ResNetConfig>;
}

/**
 * The named architectures: `wrn-28-10` (RobustBench `Standard`, CIFAR-10), `wrn-34-10` (TRADES and
 * most Linf models), `wrn-70-16` (in RobustBench's `wide_resnet.py` layout), `resnet-50` and
 * `wide-resnet-50-2` (torchvision, ImageNet normalisation inside), and the bare families
 * `wideresnet` / `resnet` (their defaults, overridden by a config). Any `wrn-<depth>-<width>`
 * works too.
 */
export const TORCH_CLASSIFIER_PRESETS: Readonly<Record<string, TorchClassifierPreset>> =
  Object.freeze({
    'wrn-28-10': { kind: 'wideresnet', config: { depth: 28, width: 10 } },
    'wrn-34-10': { kind: 'wideresnet', config: { depth: 34, width: 10 } },
    'wrn-70-16': { kind: 'wideresnet', config: { depth: 70, width: 16 } },
    'resnet-50': { kind: 'resnet', config: {} },
    'wide-resnet-50-2': { kind: 'resnet', config: { widthPerGroup: 128 } },
    wideresnet: { kind: 'wideresnet', config: {} },
    resnet: { kind: 'resnet', config: {} },
  });

interface Family {
  params(config: object): TorchParam[];
  build(weights: tf.NamedTensorMap, config: object): TorchClassifier<TorchClassifierConfig>;
}

const FAMILIES: Readonly<Record<TorchClassifierKind, Family>> = {
  wideresnet: {
    params: (c) => wideResNetParams(c as Partial<WideResNetConfig>),
    build: (w, c) => wideResNet(w, c as Partial<WideResNetConfig>),
  },
  resnet: {
    params: (c) => resNetParams(c as Partial<ResNetConfig>),
    build: (w, c) => resNet(w, c as Partial<ResNetConfig>),
  },
};

/** A resolved architecture: its family, the merged config, its tensors and its builder. */
export interface TorchClassifierArchitecture {
  /** The name asked for, e.g. `'wrn-28-10'`. */
  readonly name: string;
  /** The family. */
  readonly kind: TorchClassifierKind;
  /** The preset's config with the caller's overrides (the family's defaults fill the rest). */
  readonly config: Readonly<Record<string, unknown>>;
  /** The tensors a checkpoint of it holds (torch names and shapes, no `num_batches_tracked`). */
  readonly params: readonly TorchParam[];
  /** Builds the classifier from weights in tfjs layout (`importTorchTensors` of `params`). */
  build(weights: tf.NamedTensorMap): TorchClassifier<TorchClassifierConfig>;
}

/**
 * Resolves an architecture name (a {@link TORCH_CLASSIFIER_PRESETS} key or `wrn-<depth>-<width>`)
 * and config overrides into its tensor list and builder.
 *
 * @param architecture - e.g. `'wrn-28-10'`, `'wrn-16-4'`, `'resnet-50'`, `'resnet'`.
 * @param config - overrides of the preset's config, e.g. `{ numClasses: 100 }`; default none.
 * @returns the resolved architecture.
 * @throws {@link RobustError} `INVALID_ARGUMENT` for an unknown name (listing the known ones) or
 *   a bad config; `UNKNOWN_OPTION` for a config key the family does not have.
 * @example
 * ```ts
 * const arch = torchClassifierArchitecture('wrn-28-10');
 * console.log(arch.params.length, arch.kind); // 130 'wideresnet'
 * ```
 */
export function torchClassifierArchitecture(
  architecture: string,
  config: Readonly<Record<string, unknown>> = {},
): TorchClassifierArchitecture {
  const preset = presetOf(architecture);
  const merged = Object.freeze({ ...preset.config, ...config });
  const family = FAMILIES[preset.kind];
  const params = family.params(merged);
  return {
    name: architecture,
    kind: preset.kind,
    config: merged,
    params,
    build: (weights) => family.build(weights, merged),
  };
}

function presetOf(architecture: string): TorchClassifierPreset {
  if (
    typeof architecture === 'string' &&
    Object.prototype.hasOwnProperty.call(TORCH_CLASSIFIER_PRESETS, architecture)
  ) {
    return TORCH_CLASSIFIER_PRESETS[architecture] as TorchClassifierPreset;
  }
  const m = typeof architecture === 'string' ? /^wrn-(\d+)-(\d+)$/.exec(architecture) : null;
  if (m !== null)
    return { kind: 'wideresnet', config: { depth: Number(m[1]), width: Number(m[2]) } };
  throw new RobustError(
    'INVALID_ARGUMENT',
    `Argument 'architecture' passed to 'torchClassifierArchitecture' must be one of ` +
      `${Object.keys(TORCH_CLASSIFIER_PRESETS).join(
        ', ',
      )} or wrn-<depth>-<width>, got ${describeValue(architecture)}.`,
  );
}
