import * as tf from '@tensorflow/tfjs';
import { expectRobustError, useWasm } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { ddpmppRandomWeights } from './ddpmppRandomWeights';
import { ddpmppTorchParams } from './ddpmppTorchParams';

const SMALL = { imageSize: 16, nf: 8, chMult: [1, 2], numResBlocks: 1, attnResolutions: [8] };

useWasm();

describe('ddpmppRandomWeights', () => {
  it('every tensor in tfjs layout, seeded, non-zero', () => {
    const a = ddpmppRandomWeights(SMALL, 3);
    const b = ddpmppRandomWeights(SMALL, 3);
    const params = ddpmppTorchParams(SMALL);
    expect(Object.keys(a)).toEqual(params.map((p) => p.name));
    expect(a['all_modules.2.weight']!.shape).toEqual([3, 3, 3, 8]); // torch [8,3,3,3] → HWIO
    expect(a['all_modules.0.weight']!.shape).toEqual([8, 32]); // torch Linear [32,8] → [in,out]
    for (const k of Object.keys(a)) {
      expect(a[k]!.dataSync()).toEqual(b[k]!.dataSync());
      expect(tf.max(tf.abs(a[k]!)).dataSync()[0]).toBeGreaterThan(0);
    }
    const scale = a['all_modules.3.GroupNorm_0.weight']!.dataSync();
    expect(Math.abs(scale[0]! - 1)).toBeLessThan(0.1);
    tf.dispose([...Object.values(a), ...Object.values(b)]);
    expect(expectRobustError(() => ddpmppRandomWeights(SMALL, 0.5)).code).toBe('INVALID_ARGUMENT');
  });
});
