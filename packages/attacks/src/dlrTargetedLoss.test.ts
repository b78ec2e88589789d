import '@robustjs/core/register';
import * as tf from '@tensorflow/tfjs';
import { expectNoLeak } from '@robustjs/test-utils';
import { beforeAll, describe, expect, it } from 'vitest';
import { dlrTargetedLoss } from './dlrTargetedLoss';

describe('dlrTargetedLoss', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
  });

  it('is −(z_y − z_t) / (z_π1 − (z_π3 + z_π4)/2)', () => {
    const z = tf.tensor2d([[5, 3, 1, 0, -1]]);
    const y = tf.tensor1d([0], 'int32');
    const t = tf.tensor1d([2], 'int32');
    expectNoLeak(() => dlrTargetedLoss(z, y, t));
    const out = tf.tidy(() => dlrTargetedLoss(z, y, t).dataSync()[0] as number);
    tf.dispose([z, y, t]);
    expect(out).toBeCloseTo(-(5 - 1) / (5 - (1 + 0) / 2), 5);
  });

  it('is positive once the target logit beats the true one', () => {
    const z = tf.tensor2d([[1, 3, 4, 0, -1]]);
    const y = tf.tensor1d([0], 'int32');
    const t = tf.tensor1d([2], 'int32');
    expect(dlrTargetedLoss(z, y, t).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([z, y, t]);
  });
});
