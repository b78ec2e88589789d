import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { caught, idxPair } from '../../test/fixtures';
import { MNIST_CLASSES } from '../classNames';
import { loadMnist } from './loadMnist';

const base = mkdtempSync(join(tmpdir(), 'robustjs-mnist-'));
const saved = process.env.ROBUSTJS_DATA;
afterEach(() => {
  if (saved === undefined) delete process.env.ROBUSTJS_DATA;
  else process.env.ROBUSTJS_DATA = saved;
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('loadMnist', () => {
  it('loads a split from root/mnist, with the dotted file names of some mirrors', async () => {
    const dir = join(base, 'mnist');
    mkdirSync(dir, { recursive: true });
    const { images, labels } = idxPair(12, 28, 28);
    writeFileSync(join(dir, 'train-images.idx3-ubyte'), images);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(labels));
    const ds = await loadMnist({ split: 'train', root: base });
    expect(ds.shape).toEqual([12, 28, 28, 1]);
    expect(ds.classNames).toEqual(MNIST_CLASSES);
    expect(ds.source).toBe(`root:${dir}`);
    process.env.ROBUSTJS_DATA = base;
    expect((await loadMnist({ split: 'train' })).source).toBe(`ROBUSTJS_DATA:${dir}`);
  });

  it('is not embedded: without root or ROBUSTJS_DATA it says how to get the files', async () => {
    delete process.env.ROBUSTJS_DATA;
    const err = await caught(() => loadMnist());
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/'loadMnist' found no folder holding t10k-images-idx3-ubyte.gz.*ROBUSTJS_DATA is unset.*download\(\)/);
  });
});
