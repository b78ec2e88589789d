import { expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { DDPMPP_DEFAULTS, resolveDdpmppConfig } from './ddpmppConfig';

describe('resolveDdpmppConfig', () => {
  it("defaults are Score-SDE's cifar10_ddpmpp_deep_continuous; overrides merge and freeze", () => {
    expect(resolveDdpmppConfig()).toEqual({
      imageSize: 32,
      channels: 3,
      nf: 128,
      chMult: [1, 2, 2, 2],
      numResBlocks: 8,
      attnResolutions: [16],
      skipRescale: true,
      conditional: true,
      resblockType: 'biggan',
      fir: false,
      progressive: 'none',
      progressiveInput: 'none',
      embeddingType: 'positional',
      scaleBySigma: false,
      centered: true,
      betaMin: 0.1,
      betaMax: 20,
      numScales: 1000,
    });
    const c = resolveDdpmppConfig({ nf: 16, chMult: [1, 2], imageSize: 16 });
    expect(c.nf).toBe(16);
    expect(Object.isFrozen(c) && Object.isFrozen(c.chMult)).toBe(true);
    expect(DDPMPP_DEFAULTS.numResBlocks).toBe(8);
  });

  it('rejects unsupported settings, bad sizes and unknown keys, naming the option', () => {
    const cases: [object, string, string][] = [
      [{ fir: true }, 'INVALID_ARGUMENT', 'fir'],
      [{ progressive: 'output_skip' }, 'INVALID_ARGUMENT', 'progressive'],
      [{ embeddingType: 'fourier' }, 'INVALID_ARGUMENT', 'embeddingType'],
      [{ scaleBySigma: true }, 'INVALID_ARGUMENT', 'scaleBySigma'],
      [{ centered: false }, 'INVALID_ARGUMENT', 'centered'],
      [{ resblockType: 'ddpm' }, 'INVALID_ARGUMENT', 'resblockType'],
      [{ nf: 7 }, 'INVALID_ARGUMENT', 'nf'],
      [{ imageSize: 20 }, 'INVALID_ARGUMENT', 'imageSize'],
      [{ chMult: [] }, 'INVALID_ARGUMENT', 'chMult'],
      [{ attnResolutions: [0.5] }, 'INVALID_ARGUMENT', 'attnResolutions'],
      [{ betaMax: 0.01 }, 'OUT_OF_RANGE', 'betaMax'],
      [{ numScale: 10 }, 'UNKNOWN_OPTION', 'numScale'],
    ];
    for (const [o, code, name] of cases) {
      const e = expectRobustError(() => resolveDdpmppConfig(o as never));
      expect([e.code, e.message.includes(name)]).toEqual([code, true]);
    }
  });
});
