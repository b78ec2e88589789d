import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caught, idxPair } from '../../test/fixtures';
import { classCounts } from '../classCounts';
import { FASHION_MNIST_CLASSES } from '../classNames';
import { embeddedDataDir } from './embeddedDataDir';
import { DEBIAN_FASHION_MNIST_DIR, loadFashionMnist } from './loadFashionMnist';

// CI installs the Debian package `dataset-fashion-mnist`, so these run there; elsewhere they are skipped.
const hasDebian = existsSync(join(DEBIAN_FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz'));
const base = mkdtempSync(join(tmpdir(), 'robustjs-fmnist-'));
const saved = process.env.ROBUSTJS_DATA;
beforeEach(() => {
  delete process.env.ROBUSTJS_DATA;
});
afterEach(() => {
  if (saved === undefined) delete process.env.ROBUSTJS_DATA;
  else process.env.ROBUSTJS_DATA = saved;
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('loadFashionMnist', () => {
  it.skipIf(!hasDebian)('loads the Debian train split: 60,000 images, 6,000 of each class', async () => {
    const train = await loadFashionMnist({ split: 'train' });
    expect(train.shape).toEqual([60000, 28, 28, 1]);
    expect(classCounts(train)).toEqual(new Array(10).fill(6000));
    expect(train.classNames).toEqual(FASHION_MNIST_CLASSES);
    expect(train.source).toBe(`debian:${DEBIAN_FASHION_MNIST_DIR}`);
  });

  it.skipIf(!hasDebian)('loads the Debian test split: 10,000 images, 1,000 of each class', async () => {
    const test = await loadFashionMnist({ split: 'test' });
    expect(test.shape).toEqual([10000, 28, 28, 1]);
    expect(classCounts(test)).toEqual(new Array(10).fill(1000));
    expect(test.source).toBe(`debian:${DEBIAN_FASHION_MNIST_DIR}`);
  });

  it.skipIf(!hasDebian)('embeds a test split identical, byte for byte, to the Debian one', async () => {
    for (const f of ['t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      expect(readFileSync(join(embeddedDataDir(), f)).equals(readFileSync(join(DEBIAN_FASHION_MNIST_DIR, f)))).toBe(true);
    }
    const [embedded, debian] = await Promise.all([loadFashionMnist({ root: embeddedDataDir() }), loadFashionMnist({ split: 'test' })]);
    expect(Buffer.compare(embedded.images, debian.images)).toBe(0);
    expect(embedded.labels).toEqual(debian.labels);
  });

  it('loads the embedded test split: 10,000 images, 1,000 of each class, with sane pixels', async () => {
    const test = await loadFashionMnist({ split: 'test', root: embeddedDataDir() });
    expect(test.shape).toEqual([10000, 28, 28, 1]);
    expect(classCounts(test)).toEqual(new Array(10).fill(1000));
    expect(test.source).toBe(`root:${embeddedDataDir()}`);
    expect(Array.from(test.labels.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]); // the published first labels
    let sum = 0;
    for (const v of test.images) sum += v;
    expect(sum / test.images.length / 255).toBeCloseTo(0.2868, 3); // the published test-set pixel mean
  });

  it('uses $ROBUSTJS_DATA/fashion-mnist before the system and embedded copies', async () => {
    const dir = join(base, 'env', 'fashion-mnist');
    mkdirSync(dir, { recursive: true });
    const { images, labels } = idxPair(30, 28, 28);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels); // raw and gzipped files can mix
    process.env.ROBUSTJS_DATA = join(base, 'env');
    const ds = await loadFashionMnist();
    expect(ds.shape).toEqual([30, 28, 28, 1]);
    expect(ds.source).toBe(`ROBUSTJS_DATA:${dir}`);
  });

  it('searches an explicit root alone and says so when the files are not there', async () => {
    const err = await caught(() => loadFashionMnist({ split: 'train', root: join(base, 'empty') }));
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toMatch(/'loadFashionMnist' found no folder holding train-images-idx3-ubyte.gz or .*Looked in: .*empty \(root\), .*empty\/fashion-mnist \(root\)\. Install the Debian package/);
  });

  it('rejects a corrupt file in root, naming it', async () => {
    const dir = join(base, 'corrupt');
    mkdirSync(dir, { recursive: true });
    const { images, labels } = idxPair(30, 28, 28);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), images.subarray(0, 1000));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), labels);
    const err = await caught(() => loadFashionMnist({ root: dir }));
    expect(err.code).toBe('CORRUPT_FILE');
    expect(err.message).toContain(`IDX file '${join(dir, 't10k-images-idx3-ubyte')}' read by 'loadFashionMnist' is truncated`);
  });

  it('rejects a bad split and unknown options', async () => {
    expect((await caught(() => loadFashionMnist({ split: 'validation' as never }))).message).toMatch(
      /Option 'split' passed to 'loadFashionMnist' must be one of 'train', 'test', got "validation"/);
    expect((await caught(() => loadFashionMnist({ dir: '/x' } as never))).code).toBe('UNKNOWN_OPTION');
  });
});
