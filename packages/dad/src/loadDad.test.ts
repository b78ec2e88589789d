import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { MmdDetector } from '@robustjs/mmd';
import { expectRobustErrorAsync } from '@robustjs/test-utils';
import { loadFeaturizer, modelsDir } from '@robustjs/zoo/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasm } from '../test/fixtures';
import { Denoiser } from './index';
import { loadDad } from './node';

useWasm();

const ZOO_DAD = join(modelsDir(), 'dad');
const FILES = ['manifest.json', 'detector.safetensors', 'denoiser.safetensors'] as const;

describe('loadDad', () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'robustjs-dad-'));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });
  const copyZoo = async (name: string): Promise<string> => {
    const dir = join(tmp, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir);
    for (const f of FILES) await copyFile(join(ZOO_DAD, f), join(dir, f));
    return dir;
  };

  it("reads the zoo's DAD folder: θ from its manifest, and the detector the scripts loaded before", async () => {
    const manifest = JSON.parse(await readFile(join(ZOO_DAD, 'manifest.json'), 'utf8')) as { threshold: { value: number; batchSize: number; fpr: number } };
    const featurizer = await loadFeaturizer();
    const before = tf.memory().numTensors;
    const dad = await loadDad(ZOO_DAD, { featurizer });
    expect(dad.threshold).toEqual({ value: manifest.threshold.value, batchSize: manifest.threshold.batchSize, fpr: manifest.threshold.fpr });
    expect(dad.threshold.value).toBe(0.02395913377404213);
    expect(dad.manifest.threshold.value).toBe(dad.threshold.value);
    expect(dad.dir).toBe(ZOO_DAD);
    expect(dad.denoiser).toBeInstanceOf(Denoiser);
    expect(dad.denoiser.config.inputShape).toEqual([28, 28, 1]);
    // The same statistic as the loading it replaces (φ passed as a function).
    const phi = (x: tf.Tensor): tf.Tensor => featurizer.apply(x) as tf.Tensor;
    const old = MmdDetector.load(new Uint8Array(await readFile(join(ZOO_DAD, 'detector.safetensors'))), phi);
    const [a, b] = tf.tidy(() => {
      const x = tf.randomUniform([100, 28, 28, 1], 0, 1, 'float32', 5);
      return [dad.detector.score(x).dataSync()[0], old.score(x).dataSync()[0]];
    });
    expect(a).toBe(b);
    old.dispose();
    dad.dispose();
    expect(tf.memory().numTensors).toBe(before);
    featurizer.dispose();
  });

  it('throws a RobustError naming the file for a corrupted, missing or unreadable file, before loading any weights', async () => {
    const before = tf.memory().numTensors;
    const corrupt = await copyZoo('corrupt');
    const bytes = new Uint8Array(await readFile(join(corrupt, 'denoiser.safetensors')));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    await writeFile(join(corrupt, 'denoiser.safetensors'), bytes);
    const e1 = await expectRobustErrorAsync(() => loadDad(corrupt));
    expect(e1.code).toBe('CORRUPT_FILE');
    expect(e1.message).toContain(join(corrupt, 'denoiser.safetensors'));
    expect(e1.message).toMatch(/sha256/);

    const truncated = await copyZoo('truncated'); // a manifest without checksums: the file itself is found truncated
    const { files: _files, ...unchecked } = JSON.parse(await readFile(join(truncated, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(truncated, 'manifest.json'), JSON.stringify(unchecked));
    await writeFile(join(truncated, 'detector.safetensors'), (await readFile(join(truncated, 'detector.safetensors'))).subarray(0, 1000));
    const e2 = await expectRobustErrorAsync(() => loadDad(truncated));
    expect(e2.code).toBe('CORRUPT_FILE');
    expect(e2.message).toContain(join(truncated, 'detector.safetensors'));

    const missing = await copyZoo('missing');
    await rm(join(missing, 'detector.safetensors'));
    const e3 = await expectRobustErrorAsync(() => loadDad(missing));
    expect(e3.code).toBe('NOT_FOUND');
    expect(e3.message).toContain(join(missing, 'detector.safetensors'));
    // a fix that works from the npm packages too: the zoo's folder, or training in a checkout
    expect(e3.message).toMatch(/reinstall @robustjs\/zoo.*in a robustjs checkout with 'npx robustjs train denoiser'/);

    const badJson = await copyZoo('bad-json');
    await writeFile(join(badJson, 'manifest.json'), '{ "threshold": ');
    const e4 = await expectRobustErrorAsync(() => loadDad(badJson));
    expect(e4.code).toBe('CORRUPT_FILE');
    expect(e4.message).toContain(join(badJson, 'manifest.json'));

    const noThreshold = await copyZoo('no-threshold');
    await writeFile(join(noThreshold, 'manifest.json'), JSON.stringify({ files: [] }));
    const e5 = await expectRobustErrorAsync(() => loadDad(noThreshold));
    expect(e5.code).toBe('CORRUPT_FILE');
    expect(e5.message).toMatch(/threshold \{ value/);

    const e6 = await expectRobustErrorAsync(() => loadDad(tmp)); // no manifest.json
    expect(e6.code).toBe('NOT_FOUND');
    expect(e6.message).toContain(join(tmp, 'manifest.json'));
    await mkdir(join(tmp, 'manifest-dir', 'manifest.json'), { recursive: true });
    const e7 = await expectRobustErrorAsync(() => loadDad(join(tmp, 'manifest-dir'))); // readFile fails with EISDIR
    expect(e7.code).toBe('IO_ERROR');
    expect(e7.message).toContain(join(tmp, 'manifest-dir', 'manifest.json'));
    expect(tf.memory().numTensors).toBe(before);
  });
});
