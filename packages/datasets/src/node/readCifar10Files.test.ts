import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caught, cifarBytes } from '../../test/fixtures';
import { readCifar10Files } from './readCifar10Files';

const dir = mkdtempSync(join(tmpdir(), 'robustjs-cifar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readCifar10Files', () => {
  it('reads and concatenates batch files', async () => {
    writeFileSync(join(dir, 'data_batch_1.bin'), cifarBytes([0, 1]));
    writeFileSync(join(dir, 'data_batch_2.bin'), cifarBytes([2]));
    const ds = await readCifar10Files([join(dir, 'data_batch_1.bin'), join(dir, 'data_batch_2.bin')]);
    expect(ds.shape).toEqual([3, 32, 32, 3]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 2]);
  });

  it('rejects a truncated file, naming it', async () => {
    const path = join(dir, 'test_batch.bin');
    writeFileSync(path, cifarBytes([1, 2]).subarray(0, 4000));
    const err = await caught(() => readCifar10Files(path));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toMatch(new RegExp(`CIFAR-10 file '${path}' read by 'readCifar10Files' must hold a positive whole number of 3073-byte records`));
  });
});
