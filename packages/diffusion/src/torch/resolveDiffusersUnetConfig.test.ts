import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { DIFFUSERS_UNET_DEFAULTS, resolveDiffusersUnetConfig } from './resolveDiffusersUnetConfig';

const CIFAR = JSON.parse(
  readFileSync(join(__dirname, '../../test/fixtures/unet2d/ddpm-cifar10-32.config.json'), 'utf8')
) as Record<string, unknown>;

describe('resolveDiffusersUnetConfig', () => {
  it('reads google/ddpm-cifar10-32 as is: values, defaults for absent keys, no metadata', () => {
    const c = resolveDiffusersUnetConfig(CIFAR);
    expect(c.block_out_channels).toEqual([128, 256, 256, 256]);
    expect([
      c.downsample_padding,
      c.flip_sin_to_cos,
      c.freq_shift,
      c.norm_eps,
      c.attention_head_dim,
    ]).toEqual([0, false, 1, 1e-6, null]);
    expect([
      c.mid_block_type,
      c.resnet_time_scale_shift,
      c.time_embedding_dim,
      c.add_attention,
    ]).toEqual(['UNetMidBlock2D', 'default', null, true]);
    expect('_class_name' in c).toBe(false);
    expect(Object.isFrozen(c)).toBe(true);
    expect(resolveDiffusersUnetConfig({})).toEqual(DIFFUSERS_UNET_DEFAULTS);
    expect(resolveDiffusersUnetConfig(c)).toEqual(c); // idempotent
  });

  it.each([
    [{ cross_attention_dim: 768 }, 'UNKNOWN_OPTION', /'cross_attention_dim'/],
    [
      { down_block_types: ['DownBlock2D', 'CrossAttnDownBlock2D', 'DownBlock2D', 'DownBlock2D'] },
      'INVALID_ARGUMENT',
      /'down_block_types'.*CrossAttnDownBlock2D/,
    ],
    [
      { up_block_types: ['UpBlock2D', 'SkipUpBlock2D', 'UpBlock2D', 'UpBlock2D'] },
      'INVALID_ARGUMENT',
      /'up_block_types'/,
    ],
    [{ time_embedding_type: 'fourier' }, 'INVALID_ARGUMENT', /'time_embedding_type'.*'fourier'/],
    [{ resnet_time_scale_shift: 'scale_shift' }, 'INVALID_ARGUMENT', /'resnet_time_scale_shift'/],
    [{ num_class_embeds: 10 }, 'INVALID_ARGUMENT', /'num_class_embeds'/],
    [{ downsample_padding: 2 }, 'INVALID_ARGUMENT', /'downsample_padding' .* must be 0 or 1/],
    [
      { block_out_channels: [128, 256] },
      'INVALID_ARGUMENT',
      /'down_block_types' .*one entry per level/,
    ],
    [{ norm_num_groups: 48 }, 'INVALID_ARGUMENT', /'norm_num_groups' .*must divide/],
    [{ attention_head_dim: 96 }, 'INVALID_ARGUMENT', /'attention_head_dim' .*must divide/],
    [
      { _class_name: 'UNet2DConditionModel' },
      'INVALID_ARGUMENT',
      /UNet2DConditionModel.*not a UNet2DModel/,
    ],
  ] as const)('refuses %j by key (%s)', (change, code, message) => {
    const e = expectRobustError(() =>
      resolveDiffusersUnetConfig({ ...CIFAR, ...change }, 'unet/config.json')
    );
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.message).toContain('unet/config.json');
  });

  it('refuses a config that is not an object', () => {
    expect(expectRobustError(() => resolveDiffusersUnetConfig([1, 2])).message).toMatch(
      /'json'.*parsed config\.json/
    );
  });
});
