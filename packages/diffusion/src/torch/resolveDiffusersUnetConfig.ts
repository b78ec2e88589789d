// Reads a diffusers `UNet2DModel` config.json as is: the keys and defaults of
// diffusers/src/diffusers/models/unets/unet_2d.py (UNet2DModel.__init__); the supported subset
// is checked.
import { RobustError, assert, describeValue } from '@robustjs/core';

/** The down-block types of diffusers' `get_down_block` that {@link unet2DModel} implements. */
export type DiffusersDownBlockType = 'DownBlock2D' | 'AttnDownBlock2D';
/** The up-block types of diffusers' `get_up_block` that {@link unet2DModel} implements. */
export type DiffusersUpBlockType = 'UpBlock2D' | 'AttnUpBlock2D';

/**
 * A diffusers `UNet2DModel` config, with diffusers' own key names (snake_case, as in `config.json`)
 * and every default filled in. Only the values {@link unet2DModel} implements are accepted (see
 * {@link resolveDiffusersUnetConfig}).
 */
export interface DiffusersUnetConfig {
  /** Height and width the model was trained at (`null`: not stated). Default `null`. */
  readonly sample_size: number | readonly [number, number] | null;
  /** Input channels. Default 3. */
  readonly in_channels: number;
  /** Output channels. Default 3. */
  readonly out_channels: number;
  /** Maps inputs in [0,1] to [−1,1] first (`2x − 1`). Default `false`. */
  readonly center_input_sample: boolean;
  /** Only `'positional'` (sinusoidal). Default `'positional'`. */
  readonly time_embedding_type: 'positional';
  /** Width of the time-embedding MLP (`null`: 4 × `block_out_channels[0]`). Default `null`. */
  readonly time_embedding_dim: number | null;
  /** `downscale_freq_shift` of the sinusoidal embedding. Default 0. */
  readonly freq_shift: number;
  /** Order `[cos, sin]` instead of `[sin, cos]`. Default `true`. */
  readonly flip_sin_to_cos: boolean;
  /** One type per level. Default `[DownBlock2D, AttnDownBlock2D × 3]`. */
  readonly down_block_types: readonly DiffusersDownBlockType[];
  /** `'UNetMidBlock2D'` or `null` (no mid block). Default `'UNetMidBlock2D'`. */
  readonly mid_block_type: 'UNetMidBlock2D' | null;
  /** One type per level, deepest first. Default `[AttnUpBlock2D × 3, UpBlock2D]`. */
  readonly up_block_types: readonly DiffusersUpBlockType[];
  /** Channels per level. Default `[224, 448, 672, 896]`. */
  readonly block_out_channels: readonly number[];
  /** Residual blocks per down level (up levels have one more). Default 2. */
  readonly layers_per_block: number;
  /** The mid block's residual and attention outputs are divided by it. Default 1. */
  readonly mid_block_scale_factor: number;
  /** Padding of the stride-2 downsampling conv: 1 (all sides) or 0 (bottom/right). Default 1. */
  readonly downsample_padding: 0 | 1;
  /** Only `'conv'`. Default `'conv'`. */
  readonly downsample_type: 'conv';
  /** Only `'conv'` (nearest ×2 then a 3×3 conv). Default `'conv'`. */
  readonly upsample_type: 'conv';
  /** Training dropout; no effect on the forward pass here. Default 0. */
  readonly dropout: number;
  /** `'silu'` (or its alias `'swish'`). Default `'silu'`. */
  readonly act_fn: 'silu' | 'swish';
  /** Channels per attention head (`null`: one head over all channels). Default 8. */
  readonly attention_head_dim: number | null;
  /** GroupNorm groups of every norm. Default 32. */
  readonly norm_num_groups: number;
  /** Groups of the mid block's attention norm (`null`: `norm_num_groups`). Default `null`. */
  readonly attn_norm_num_groups: number | null;
  /** Epsilon of every GroupNorm. Default 1e-5. */
  readonly norm_eps: number;
  /** Only `'default'` (the time embedding is added after conv1). Default `'default'`. */
  readonly resnet_time_scale_shift: 'default';
  /** Attention in the mid block. Default `true`. */
  readonly add_attention: boolean;
  /** Only `null` (unconditional). Default `null`. */
  readonly class_embed_type: null;
  /** Only `null` (unconditional). Default `null`. */
  readonly num_class_embeds: null;
  /** Only used by `'learned'` time embeddings; ignored. Default `null`. */
  readonly num_train_timesteps: number | null;
}

/** diffusers' defaults of `UNet2DModel.__init__` (diffusers' models/unets/unet_2d.py). */
export const DIFFUSERS_UNET_DEFAULTS: DiffusersUnetConfig = Object.freeze({
  sample_size: null,
  in_channels: 3,
  out_channels: 3,
  center_input_sample: false,
  time_embedding_type: 'positional',
  time_embedding_dim: null,
  freq_shift: 0,
  flip_sin_to_cos: true,
  down_block_types: Object.freeze([
    'DownBlock2D',
    'AttnDownBlock2D',
    'AttnDownBlock2D',
    'AttnDownBlock2D',
  ] as const),
  mid_block_type: 'UNetMidBlock2D',
  up_block_types: Object.freeze([
    'AttnUpBlock2D',
    'AttnUpBlock2D',
    'AttnUpBlock2D',
    'UpBlock2D',
  ] as const),
  block_out_channels: Object.freeze([224, 448, 672, 896]),
  layers_per_block: 2,
  mid_block_scale_factor: 1,
  downsample_padding: 1,
  downsample_type: 'conv',
  upsample_type: 'conv',
  dropout: 0,
  act_fn: 'silu',
  attention_head_dim: 8,
  norm_num_groups: 32,
  attn_norm_num_groups: null,
  norm_eps: 1e-5,
  resnet_time_scale_shift: 'default',
  add_attention: true,
  class_embed_type: null,
  num_class_embeds: null,
  num_train_timesteps: null,
});

type Check = (v: unknown) => boolean;
const int =
  (min: number): Check =>
  (v) =>
    Number.isSafeInteger(v) && (v as number) >= min;
const intOrNull =
  (min: number): Check =>
  (v) =>
    v === null || int(min)(v);
const oneOf =
  (...values: unknown[]): Check =>
  (v) =>
    values.includes(v);
const bool: Check = (v) => typeof v === 'boolean';
const positive: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v > 0;
const list =
  (item: Check): Check =>
  (v) =>
    Array.isArray(v) && v.length >= 1 && v.every(item);

/** What each key accepts, in words (for messages) and as a check. */
const ACCEPTS: Readonly<Record<keyof DiffusersUnetConfig, readonly [string, Check]>> = {
  sample_size: [
    'null, an integer ≥ 1 or [h, w]',
    (v) => v === null || int(1)(v) || (Array.isArray(v) && v.length === 2 && v.every(int(1))),
  ],
  in_channels: ['an integer ≥ 1', int(1)],
  out_channels: ['an integer ≥ 1', int(1)],
  center_input_sample: ['a boolean', bool],
  time_embedding_type: [
    "'positional' ('fourier' and 'learned' are not implemented)",
    oneOf('positional'),
  ],
  time_embedding_dim: ['null or an integer ≥ 1', intOrNull(1)],
  freq_shift: ['a finite number', (v) => typeof v === 'number' && Number.isFinite(v)],
  flip_sin_to_cos: ['a boolean', bool],
  down_block_types: [
    "a non-empty list of 'DownBlock2D' | 'AttnDownBlock2D'",
    list(oneOf('DownBlock2D', 'AttnDownBlock2D')),
  ],
  mid_block_type: ["'UNetMidBlock2D' or null", oneOf('UNetMidBlock2D', null)],
  up_block_types: [
    "a non-empty list of 'UpBlock2D' | 'AttnUpBlock2D'",
    list(oneOf('UpBlock2D', 'AttnUpBlock2D')),
  ],
  block_out_channels: ['a non-empty list of integers ≥ 1', list(int(1))],
  layers_per_block: ['an integer ≥ 1', int(1)],
  mid_block_scale_factor: ['a number > 0', positive],
  downsample_padding: ['0 or 1', oneOf(0, 1)],
  downsample_type: ["'conv' ('resnet' is not implemented)", oneOf('conv')],
  upsample_type: ["'conv' ('resnet' is not implemented)", oneOf('conv')],
  dropout: ['a number in [0, 1)', (v) => typeof v === 'number' && v >= 0 && v < 1],
  act_fn: ["'silu' or 'swish'", oneOf('silu', 'swish')],
  attention_head_dim: ['null or an integer ≥ 1', intOrNull(1)],
  norm_num_groups: ['an integer ≥ 1', int(1)],
  attn_norm_num_groups: ['null or an integer ≥ 1', intOrNull(1)],
  norm_eps: ['a number > 0', positive],
  resnet_time_scale_shift: [
    "'default' ('scale_shift' and 'spatial' are not implemented)",
    oneOf('default'),
  ],
  add_attention: ['a boolean', bool],
  class_embed_type: ['null (class conditioning is not implemented)', oneOf(null)],
  num_class_embeds: ['null (class conditioning is not implemented)', oneOf(null)],
  num_train_timesteps: ['null or an integer ≥ 1', intOrNull(1)],
};

/**
 * Reads a diffusers `UNet2DModel` `config.json` (parsed) as is: diffusers' key names, its defaults
 * for absent keys, and its metadata keys (`_class_name`, `_diffusers_version`, any `_…`) ignored.
 * Every key and value is checked before anything is built: unknown keys and the parts of
 * diffusers that robustjs does not implement (Fourier time embedding, `scale_shift`, resnet
 * up/downsampling, class conditioning, other block types) are refused by name.
 *
 * @param json - the parsed `config.json` object.
 * @param source - where it came from (a path), for messages; default `'config'`.
 * @returns the full config, frozen.
 * @throws {@link RobustError} `UNKNOWN_OPTION` for a key diffusers' `UNet2DModel` does not have;
 *   `INVALID_ARGUMENT` naming the key for an unsupported or malformed value, a `_class_name`
 *   other than `UNet2DModel`, lists of different lengths, or `norm_num_groups` /
 *   `attention_head_dim` not dividing a level's channels.
 * @example
 * ```ts
 * const config = resolveDiffusersUnetConfig(JSON.parse(readFileSync('config.json', 'utf8')));
 * config.block_out_channels; // [128, 256, 256, 256] for google/ddpm-cifar10-32
 * ```
 */
export function resolveDiffusersUnetConfig(json: unknown, source = 'config'): DiffusersUnetConfig {
  const fn = 'resolveDiffusersUnetConfig';
  assert(
    typeof json === 'object' && json !== null && !Array.isArray(json),
    'INVALID_ARGUMENT',
    () =>
      `Argument 'json' passed to '${fn}' must be the parsed config.json object of a ` +
      'diffusers UNet2DModel, ' +
      `got ${describeValue(json)} from ${source}.`
  );
  const raw = json as Record<string, unknown>;
  const className = raw._class_name;
  assert(
    className === undefined || className === 'UNet2DModel',
    'INVALID_ARGUMENT',
    () =>
      `'${fn}': ${source} is the config of a ${describeValue(className)}, not a UNet2DModel. ` +
      'Pass the config.json of the unet folder of a diffusers pipeline.'
  );
  const out: Record<string, unknown> = { ...DIFFUSERS_UNET_DEFAULTS };
  for (const [key, value] of Object.entries(raw)) {
    if (key.startsWith('_')) continue;
    const accepts = Object.prototype.hasOwnProperty.call(ACCEPTS, key)
      ? ACCEPTS[key as keyof DiffusersUnetConfig]
      : undefined;
    if (accepts === undefined) {
      throw new RobustError(
        'UNKNOWN_OPTION',
        `'${fn}': ${source} has the key '${key}', which diffusers' ` +
          `UNet2DModel does not have. Known keys: ${Object.keys(ACCEPTS).join(', ')}.`
      );
    }
    assert(
      accepts[1](value),
      'INVALID_ARGUMENT',
      () => `'${fn}': key '${key}' of ${source} must be ${accepts[0]}, got ${describeValue(value)}.`
    );
    out[key] = Array.isArray(value) ? Object.freeze([...value]) : value;
  }
  const c = out as unknown as DiffusersUnetConfig;
  checkConsistency(c, source, fn);
  return Object.freeze(c);
}

function checkConsistency(c: DiffusersUnetConfig, source: string, fn: string): void {
  const levels = c.block_out_channels.length;
  for (const key of ['down_block_types', 'up_block_types'] as const) {
    assert(
      c[key].length === levels,
      'INVALID_ARGUMENT',
      () =>
        `'${fn}': key '${key}' of ${source} must have one entry per level of ` +
        `block_out_channels (${levels}), ` +
        `got ${c[key].length}.`
    );
  }
  const temb = c.time_embedding_dim ?? 4 * (c.block_out_channels[0] as number);
  assert(
    (c.block_out_channels[0] as number) % 2 === 0 && temb >= 1,
    'INVALID_ARGUMENT',
    () =>
      `'${fn}': block_out_channels[0] of ${source} must be even ` +
      "(the sinusoidal embedding's width), " +
      `got ${c.block_out_channels[0]}.`
  );
  for (const ch of c.block_out_channels) {
    assert(
      ch % c.norm_num_groups === 0,
      'INVALID_ARGUMENT',
      () =>
        `'${fn}': key 'norm_num_groups' of ${source} (${c.norm_num_groups}) must divide ` +
        "every level's channels, " +
        `but not ${ch} (block_out_channels ${describeValue(c.block_out_channels)}).`
    );
    const head = c.attention_head_dim;
    assert(
      head === null || ch % head === 0,
      'INVALID_ARGUMENT',
      () =>
        `'${fn}': key 'attention_head_dim' of ${source} (${head}) must divide ` +
        `every level's channels, but not ${ch}.`
    );
  }
  const attnGroups = c.attn_norm_num_groups;
  const last = c.block_out_channels[levels - 1] as number;
  assert(
    attnGroups === null || last % attnGroups === 0,
    'INVALID_ARGUMENT',
    () => `'${fn}': key 'attn_norm_num_groups' of ${source} (${attnGroups}) must divide ${last}.`
  );
}
