import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeakAsync } from '@robustjs/test-utils';
import { caughtSync, tinyDataset } from '../test/fixtures';
import { batches } from './batches';
import { permutation } from './permutation';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function collect(it: AsyncIterable<{ x: tf.Tensor; y: tf.Tensor; indices: Int32Array }>) {
  const out: { shape: number[]; ids: number[]; labels: number[]; indices: number[] }[] = [];
  for await (const { x, y, indices } of it) {
    const px = x.dataSync();
    out.push({
      shape: x.shape,
      ids: Array.from({ length: x.shape[0] as number }, (_, i) => Math.round((px[i * 4] as number) * 255)),
      labels: Array.from(y.dataSync()),
      indices: Array.from(indices),
    });
    tf.dispose([x, y]);
  }
  return out;
}

describe('batches', () => {
  it('yields batches in order with a smaller last batch, and leaks nothing once disposed', async () => {
    const ds = tinyDataset(10, 3);
    const out = await expectNoLeakAsync(() => collect(batches(ds, { batchSize: 4 })));
    expect(out.map((b) => b.shape)).toEqual([[4, 2, 2, 1], [4, 2, 2, 1], [2, 2, 2, 1]]);
    expect(out.flatMap((b) => b.ids)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(out.flatMap((b) => b.labels)).toEqual([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]);
  });

  it('shuffles with a seed (the permutation of that seed) and can drop the last batch', async () => {
    const ds = tinyDataset(10, 3);
    const out = await collect(batches(ds, { batchSize: 4, shuffle: true, seed: 9, dropLast: true }));
    expect(out.length).toBe(2);
    const order = Array.from(permutation(10, 9)).slice(0, 8);
    expect(out.flatMap((b) => b.ids)).toEqual(order);
    expect(out.flatMap((b) => b.indices)).toEqual(order);
    expect(out.flatMap((b) => b.labels)).toEqual(order.map((i) => i % 3));
  });

  it('keeps no tensor alive between batches: each batch holds only its own two tensors', async () => {
    const ds = tinyDataset(300, 3);
    const base = tf.memory().numTensors;
    for await (const { x, y } of batches(ds, { batchSize: 32 })) {
      expect(tf.memory().numTensors).toBe(base + 2);
      expect(x.shape[0]).toBeLessThanOrEqual(32);
      tf.dispose([x, y]);
    }
    expect(tf.memory().numTensors).toBe(base);
  });

  it('checks its arguments when called, before the first batch', () => {
    const ds = tinyDataset(3);
    expect(caughtSync(() => batches(ds, { batchSize: 0 })).message).toMatch(/Argument 'batchSize' passed to 'batches' must be ≥ 1, got 0/);
    expect(caughtSync(() => batches(ds, { batchSize: 4, dropLast: true })).message).toMatch(/more than the 3 images, and 'dropLast' is true/);
    expect(caughtSync(() => batches(ds, { drop_last: true } as never)).code).toBe('UNKNOWN_OPTION');
    expect(caughtSync(() => batches(ds, { shuffle: 'yes' } as never)).message).toMatch(/Option 'shuffle' passed to 'batches' must be a boolean/);
  });
});
