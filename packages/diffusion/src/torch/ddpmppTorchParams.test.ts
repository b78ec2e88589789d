import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { ddpmppTorchParams } from './ddpmppTorchParams';

// `bench/torch_archs/ddpmpp.py params` lists the reference module's named_parameters() for
// configs/vp/cifar10_ddpmpp_deep_continuous.py; with --upstream it checks that the original
// models/ncsnpp.py has the same names, shapes and order (106,632,579 parameters).
const listed = JSON.parse(
  readFileSync(
    join(__dirname, '../../test/fixtures/ddpmpp/ddpmpp-cifar10-deep-params.json'),
    'utf8',
  ),
) as {
  parameters: number;
  tensors: [string, number[]][];
};

describe('ddpmppTorchParams', () => {
  it('full config: exactly the reference names, shapes and order; 106,632,579 parameters', () => {
    const params = ddpmppTorchParams();
    expect(params.map((p) => [p.name, p.shape])).toEqual(listed.tensors);
    const count = params.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0);
    expect(count).toBe(listed.parameters);
    expect(count).toBe(106_632_579);
    expect(params).toHaveLength(956);
  });

  it('layouts: conv weights oihw, dense weights linear, NIN and the rest plain', () => {
    const params = ddpmppTorchParams();
    const layout = (name: string): string | undefined =>
      params.find((p) => p.name === name)?.layout;
    expect(layout('all_modules.0.weight')).toBe('linear');
    expect(layout('all_modules.2.weight')).toBe('oihw');
    expect(layout('all_modules.3.Dense_0.weight')).toBe('linear');
    expect(layout('all_modules.3.Conv_0.weight')).toBe('oihw');
    expect(layout('all_modules.13.NIN_0.W')).toBe('plain');
    expect(params.filter((p) => p.layout === 'oihw').every((p) => p.shape.length === 4)).toBe(true);
    // all_modules.11, the down block of level 0 (after 2 dense, the conv, 8 res blocks), has Conv_2
    expect(params.some((p) => p.name === 'all_modules.11.Conv_2.weight')).toBe(true);
  });

  it('small configs and errors', () => {
    const small = ddpmppTorchParams({
      imageSize: 16,
      nf: 8,
      chMult: [1, 2],
      numResBlocks: 1,
      attnResolutions: [8],
    });
    expect(small.reduce((s, p) => s + p.shape.reduce((a, b) => a * b, 1), 0)).toBe(48275);
    const uncond = ddpmppTorchParams({ conditional: false, numResBlocks: 1 });
    expect(uncond.some((p) => p.name.includes('Dense_0'))).toBe(false);
    expect(uncond[0]!.name).toBe('all_modules.0.weight');
    expect(uncond[0]!.shape).toEqual([128, 3, 3, 3]);
    expect(
      expectRobustError(() => ddpmppTorchParams({ nf: 14, numResBlocks: 1 })).message,
    ).toContain('GroupNorm');
    expect(expectRobustError(() => ddpmppTorchParams({ sizes: 1 } as never)).code).toBe(
      'UNKNOWN_OPTION',
    );
  });
});
