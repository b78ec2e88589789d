import * as tf from '@tensorflow/tfjs';
import { expectRobustErrorAsync } from '@robustjs/test-utils';
import { kernelMatrices, mmd2Biased, MmdDetector } from '@robustjs/mmd';
import { expect, it } from 'vitest';
import { shifted, take, tinyDetector, useWasm } from '../test/fixtures';
import { kernelFromDetector } from './index';

useWasm();

it('returns the detector’s trained kernel: MMD²_b(R, B) from it equals detector.score(B)', async () => {
  const fix = await tinyDetector();
  const kernel = await kernelFromDetector(fix.detector);
  const reference = tf.slice(fix.clean, 0, 10); // fit's first referenceSize clean samples
  const batch = shifted(tf.slice(fix.clean, 90, 10) as tf.Tensor4D, 5);
  const { kxx, kyy, kxy } = kernelMatrices(kernel, reference, batch);
  const fromKernel = take(mmd2Biased(kxx, kyy, kxy));
  const fromDetector = take(fix.detector.score(batch));
  expect(fromKernel).toBeCloseTo(fromDetector, 6);
  expect(fromKernel).toBeGreaterThan(0);
  tf.dispose([kxx, kyy, kxy, reference, batch]);
  kernel.dispose();
  fix.dispose();
});

it('rejects an unfitted detector and other values', async () => {
  expect((await expectRobustErrorAsync(() => kernelFromDetector(new MmdDetector()))).message).toMatch(/before 'fit'/);
  expect((await expectRobustErrorAsync(() => kernelFromDetector({} as never))).code).toBe('INVALID_ARGUMENT');
});
