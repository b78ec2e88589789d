import * as tf from '@tensorflow/tfjs';
import type { Classifier } from '@robustjs/core';
import { describe, expect, it } from 'vitest';
import { CliError } from '../errors';
import { parseProtocol } from '../protocol';
import { createAttacks } from './attacks';

const classifier: Classifier = (x) => tf.tidy(() => tf.zeros([x.shape[0], 10]) as tf.Tensor2D);

describe('the attack table: diffattack, diff-pgd, ssni-eps-aware', () => {
  const protocol = parseProtocol({ defenses: [{ name: 'none' }] }, 'p.json');

  it('builds each with the protocol budget and its own defaults', () => {
    const specs = [
      { name: 'diffattack', segment: 2 },
      { name: 'diff-pgd', version: 'v2' },
      { name: 'ssni-eps-aware', lambda: 0.5, epsGradient: 'bpda' },
    ];
    const [a, b, c] = createAttacks(specs, protocol, 'attacks', classifier);
    expect(a!.name).toBe('diffattack');
    expect(a!.settings).toMatchObject({
      steps: protocol.attack.steps,
      eot: protocol.attack.eot,
      segment: 2,
    });
    expect(b!.name).toBe('diff-pgd-v2'); // v1 is 'diff-pgd': a report tells them apart
    expect(b!.settings).toMatchObject({
      version: 'v2',
      ddimSteps: 5,
      tStar: null,
      randomStart: false,
    });
    expect(c!.name).toBe('ssni-eps-aware');
    expect(c!.settings).toMatchObject({
      lambda: 0.5,
      epsGradient: 'bpda',
      chunkSize: protocol.chunkSize,
    });
  });

  it('reports a value the library rejects as a CliError naming the entry', () => {
    const bad = [{ name: 'diffattack', segment: 0 }];
    expect(() => createAttacks(bad, protocol, 'attacks', classifier)).toThrow(CliError);
    expect(() => createAttacks(bad, protocol, 'attacks', classifier)).toThrow(
      /'attacks\[0\]' \(diffattack\)/,
    );
  });
});
