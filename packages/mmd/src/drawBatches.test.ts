import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { caught, useWasm } from '../test/helpers';
import { drawBatches } from './drawBatches';

useWasm();

describe('drawBatches', () => {
  it('draws seeded batches of distinct rows from a pool', () => {
    const pool = tf.range(0, 10).reshape([10, 1]) as tf.Tensor2D;
    const a = drawBatches(pool, 5, 4, 1, 'f');
    const b = drawBatches(pool, 5, 4, 1, 'f');
    const rows = a.map((t) => Array.from(t.dataSync()));
    expect(rows).toEqual(b.map((t) => Array.from(t.dataSync())));
    for (const r of rows) expect(new Set(r).size).toBe(4);
    expect(new Set(rows.map((r) => r.join())).size).toBeGreaterThan(1);
    expect(caught(() => drawBatches(pool, 5, 11, 1, 'calibrate')).message).toMatch(/at least 11 rows.*batchSize = 11 distinct samples/);
    tf.dispose([pool, ...a, ...b]);
  });
});
