// The state-dict names and shapes of a diffusers UNet2DModel, in the current and the legacy naming.
import { RobustError, describeValue, type TorchParam } from '@robustjs/core';
import { resolveDiffusersUnetConfig, type DiffusersUnetConfig } from './resolveDiffusersUnetConfig';
import { ParamSource } from './unet2DLayers';
import { defineUnet2D } from './defineUnet2D';

/**
 * The attention parameter names of a checkpoint: `'current'` (`to_q`, `to_k`, `to_v`,
 * `to_out.0`, diffusers ≥ 0.14) or `'legacy'` (`query`, `key`, `value`, `proj_attn`, the names of
 * diffusers' old `AttentionBlock`, which checkpoints saved before 0.14 such as
 * google/ddpm-cifar10-32 may keep; diffusers renames them on load in
 * `ModelMixin._fix_state_dict_keys_on_load`).
 */
export type DiffusersAttentionNaming = 'current' | 'legacy';

const TO_LEGACY: Readonly<Record<string, string>> = {
  to_q: 'query',
  to_k: 'key',
  to_v: 'value',
  'to_out.0': 'proj_attn',
};
const ATTENTION = /^(.*\.attentions\.\d+)\.(to_q|to_k|to_v|to_out\.0)\.(weight|bias)$/;

/**
 * The legacy name of a current attention parameter name (others unchanged), e.g.
 * `mid_block.attentions.0.to_out.0.weight` → `mid_block.attentions.0.proj_attn.weight`.
 *
 * @param name - a current diffusers state-dict key.
 * @returns the key in the legacy naming.
 * @example
 * ```ts
 * legacyDiffusersName('mid_block.attentions.0.to_q.bias'); // 'mid_block.attentions.0.query.bias'
 * ```
 */
export function legacyDiffusersName(name: string): string {
  const m = ATTENTION.exec(name);
  return m === null ? name : `${m[1]}.${TO_LEGACY[m[2] as string]}.${m[3]}`;
}

/**
 * Every tensor a diffusers `UNet2DModel` with this config has in its state dict, in diffusers'
 * registration order: the state-dict key, the PyTorch shape and how it maps to tfjs
 * (`'oihw'` convs, `'linear'` linears, `'plain'` biases and norms); pass it to core's
 * `importTorchTensors`. Nothing is allocated.
 *
 * @param config - a parsed diffusers `config.json` or a resolved config.
 * @param naming - attention names, {@link DiffusersAttentionNaming}; default `'current'`.
 * @returns the parameters (448 for google/ddpm-cifar10-32, 35,746,307 scalars).
 * @throws {@link RobustError} as {@link resolveDiffusersUnetConfig}; `INVALID_ARGUMENT` for
 *   another `naming`.
 * @example
 * ```ts
 * const params = diffusersUnetParams(config, 'legacy');
 * params[0]; // { name: 'conv_in.weight', shape: [128, 3, 3, 3], layout: 'oihw' }
 * ```
 */
export function diffusersUnetParams(
  config: DiffusersUnetConfig | Record<string, unknown>,
  naming: DiffusersAttentionNaming = 'current'
): TorchParam[] {
  const fn = 'diffusersUnetParams';
  if (naming !== 'current' && naming !== 'legacy') {
    throw new RobustError(
      'INVALID_ARGUMENT',
      `Argument 'naming' passed to '${fn}' must be 'current' or 'legacy', got ${describeValue(
        naming
      )}.`
    );
  }
  const p = new ParamSource(undefined);
  defineUnet2D(p, resolveDiffusersUnetConfig(config, `the config passed to '${fn}'`));
  return naming === 'current'
    ? p.params
    : p.params.map((q) => ({ ...q, name: legacyDiffusersName(q.name) }));
}
