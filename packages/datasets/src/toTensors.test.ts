import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { assertImages, assertLabels } from '@robustjs/core';
import { expectNoLeak } from '@robustjs/test-utils';
import { caughtSync, tinyDataset } from '../test/fixtures';
import { createDataset } from './createDataset';
import { toTensors } from './toTensors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('toTensors', () => {
  it('makes images [N,H,W,C] float32 in [0,1] and labels [N] int32, by the core contract', () => {
    const ds = createDataset({ images: Uint8Array.from([0, 51, 255, 128, 1, 2, 3, 4]), labels: new Uint8Array([1, 0]), shape: [2, 2, 2, 1], classNames: ['a', 'b'] });
    expectNoLeak(() => {
      const { x, y } = toTensors(ds);
      assertImages(x, 'x', 'test', { channels: 1, batch: 2 });
      assertLabels(y, 'y', 'test', { numClasses: 2, batch: 2 });
      const reference = tf.tidy(() => tf.tensor1d([0, 51, 255, 128, 1, 2, 3, 4]).div(255));
      expect(Array.from(x.dataSync())).toEqual(Array.from(reference.dataSync())); // exactly tf.div(pixels, 255)
      reference.dispose();
      expect(Array.from(y.dataSync())).toEqual([1, 0]);
      return { x, y };
    });
  });

  it('converts only the requested rows, in order', () => {
    const ds = tinyDataset(5);
    expectNoLeak(() => {
      const t = toTensors(ds, [4, 1]);
      expect(t.x.shape).toEqual([2, 2, 2, 1]);
      expect(t.x.dataSync()[0]).toBeCloseTo(4 / 255, 7);
      expect(t.x.dataSync()[4]).toBeCloseTo(1 / 255, 7);
      expect(Array.from(t.y.dataSync())).toEqual([1, 1]);
      return t;
    });
  });

  it('rejects empty or out-of-range indices without creating tensors', () => {
    const before = tf.memory().numTensors;
    expect(caughtSync(() => toTensors(tinyDataset(3), [])).code).toBe('EMPTY_INPUT');
    expect(caughtSync(() => toTensors(tinyDataset(3), [3])).message).toMatch(/Argument 'indices' passed to 'toTensors' must hold integer row indices in \[0, 3\), got 3/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
