import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { diffusersUnetParams, legacyDiffusersName } from './diffusersUnetParams';

const FIXTURES = join(__dirname, '../../test/fixtures/unet2d');
const read = (f: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(FIXTURES, f), 'utf8')) as Record<string, unknown>;

describe('diffusersUnetParams', () => {
  it('google/ddpm-cifar10-32: 328 tensors, 35,746,307 parameters, as the PyTorch reference', () => {
    const config = read('ddpm-cifar10-32.config.json');
    const params = diffusersUnetParams(config, 'legacy');
    expect(params).toHaveLength(328);
    expect(params.reduce((s, p) => s + p.shape.reduce((a, d) => a * d, 1), 0)).toBe(35_746_307);
    // listed by bench/torch_archs/unet2d.py (`params`), in state-dict order
    const listed = read('ddpm-cifar10-32.params.json') as {
      parameters: number;
      tensors: { name: string; shape: number[] }[];
    };
    expect(listed.parameters).toBe(35_746_307);
    expect(params.map((p) => ({ name: p.name, shape: p.shape }))).toEqual(listed.tensors);
    expect(params.find((p) => p.name === 'down_blocks.0.downsamplers.0.conv.weight')).toEqual({
      name: 'down_blocks.0.downsamplers.0.conv.weight',
      shape: [128, 128, 3, 3],
      layout: 'oihw',
    });
    expect(params.find((p) => p.name === 'mid_block.attentions.0.proj_attn.weight')).toEqual({
      name: 'mid_block.attentions.0.proj_attn.weight',
      shape: [256, 256],
      layout: 'linear',
    });
  });

  it('current naming differs only in the attention linears', () => {
    const config = read('ddpm-cifar10-32.config.json');
    const current = diffusersUnetParams(config);
    const legacy = diffusersUnetParams(config, 'legacy');
    expect(current.map((p) => legacyDiffusersName(p.name))).toEqual(legacy.map((p) => p.name));
    const renamed = current.filter((p, i) => p.name !== legacy[i]!.name).map((p) => p.name);
    // 6 attentions (2 in down_blocks.1, 1 in mid_block, 3 in up_blocks.2) × 4 linears × 2
    expect(renamed).toHaveLength(6 * 4 * 2);
    expect(renamed.every((n) => /\.(to_q|to_k|to_v|to_out\.0)\.(weight|bias)$/.test(n))).toBe(true);
    expect(legacyDiffusersName('up_blocks.2.attentions.1.to_out.0.bias')).toBe(
      'up_blocks.2.attentions.1.proj_attn.bias'
    );
    expect(legacyDiffusersName('up_blocks.2.resnets.1.conv1.bias')).toBe(
      'up_blocks.2.resnets.1.conv1.bias'
    );
  });

  it('refuses another naming', () => {
    const e = expectRobustError(() =>
      diffusersUnetParams(read('ddpm-cifar10-32.config.json'), 'old' as 'legacy')
    );
    expect(e.message).toMatch(/'naming'.*'current' or 'legacy'/);
  });
});
