import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { caught, cifarBytes } from '../../test/fixtures';
import { CIFAR10_CLASSES } from '../classNames';
import { loadCifar10 } from './loadCifar10';

const base = mkdtempSync(join(tmpdir(), 'robustjs-cifar-load-'));
const dir = join(base, 'cifar-10-batches-bin');
mkdirSync(dir);
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('loadCifar10', () => {
  it('loads the five training batches in order and the test batch, from the folder or its parent', async () => {
    for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), cifarBytes([i, i]));
    writeFileSync(join(dir, 'test_batch.bin'), cifarBytes([9, 8, 7]));
    const train = await loadCifar10({ split: 'train', root: base });
    expect(train.shape).toEqual([10, 32, 32, 3]);
    expect(Array.from(train.labels)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    expect(train.classNames).toEqual(CIFAR10_CLASSES);
    const test = await loadCifar10({ root: dir });
    expect(Array.from(test.labels)).toEqual([9, 8, 7]);
    expect(test.source).toBe(`root:${dir}`);
  });

  it('takes class names from batches.meta.txt when present', async () => {
    const other = join(base, 'renamed');
    mkdirSync(other);
    writeFileSync(join(other, 'test_batch.bin'), cifarBytes([0]));
    writeFileSync(join(other, 'batches.meta.txt'), `${'abcdefghij'.split('').join('\n')}\n\n`);
    expect((await loadCifar10({ root: other })).classNames).toEqual('abcdefghij'.split(''));
  });

  it('names the missing batch when a split is incomplete', async () => {
    const partial = join(base, 'partial');
    mkdirSync(partial);
    writeFileSync(join(partial, 'data_batch_1.bin'), cifarBytes([0]));
    const err = await caught(() => loadCifar10({ split: 'train', root: partial }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/found no folder holding data_batch_1.bin; data_batch_2.bin; .*Extract cifar-10-binary.tar.gz/);
  });
});
