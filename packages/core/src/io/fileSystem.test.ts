import * as tf from '@tensorflow/tfjs';
import { mkdir, mkdtemp, readFile, readdir, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeakAsync } from '@robustjs/test-utils';
import { RobustError } from '../errors';
import type { RobustErrorCode } from '../errors';
import { fileSystem, registerFileSystemRouter } from './fileSystem';
import { readSafetensorsFile, writeSafetensorsFile } from './safetensorsFile';
import { loadWeightMap, saveWeightMap } from './weightMap';

let root = '';
let count = 0;
/** A fresh, empty directory under this suite's temporary root. */
async function freshDir(): Promise<string> {
  const dir = join(root, `case-${count++}`);
  await mkdir(dir);
  return dir;
}

async function expectRejects(promise: Promise<unknown>, code: RobustErrorCode, ...parts: string[]): Promise<void> {
  const e = await promise.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(RobustError);
  expect((e as RobustError).code).toBe(code);
  for (const part of parts) expect((e as RobustError).message).toContain(part);
}

function denseModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.dense({ inputShape: [4], units: 8, activation: 'relu' }));
  model.add(tf.layers.dense({ units: 3, activation: 'softmax' }));
  model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy' });
  return model;
}

/** Saves a small dense model to a fresh directory through the file:// router. */
async function savedModel(): Promise<string> {
  const dir = await freshDir();
  const model = denseModel();
  await model.save(`file://${dir}`);
  model.dispose();
  return dir;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'robustjs-io-'));
  registerFileSystemRouter();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('registerFileSystemRouter', () => {
  it('is idempotent: tfjs finds exactly one file:// save and load handler', () => {
    registerFileSystemRouter();
    registerFileSystemRouter();
    expect(tf.io.getSaveHandlers('file:///tmp/m')).toHaveLength(1);
    expect(tf.io.getLoadHandlers('file:///tmp/m/model.json')).toHaveLength(1);
    expect(tf.io.getSaveHandlers('indexeddb://m')).toHaveLength(0);
  });
});

describe('fileSystem', () => {
  it('saves a dense model through file:// and loads it back with identical predictions', async () => {
    await expectNoLeakAsync(async () => {
      const dir = await freshDir();
      const model = denseModel();
      const x = tf.randomUniform([5, 4], 0, 1, 'float32', 7);
      const expected = model.predict(x) as tf.Tensor;
      const result = await model.save(`file://${dir}`);
      expect(result.modelArtifactsInfo.weightDataBytes).toBe((4 * 8 + 8 + 8 * 3 + 3) * 4);
      expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']); // no temp files left
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
      expect(json['format']).toBe('layers-model');
      expect(json['generatedBy']).toContain('TensorFlow.js');
      expect(json['convertedBy']).toBeNull();
      expect(json['weightsManifest']).toMatchObject([{ paths: ['weights.bin'] }]);

      for (const url of [`file://${dir}/model.json`, `file://${dir}`]) {
        const loaded = await tf.loadLayersModel(url);
        const got = loaded.predict(x) as tf.Tensor;
        expect(got.dataSync()).toEqual(expected.dataSync());
        tf.dispose([got]);
        loaded.dispose();
      }
      const again = await tf.loadLayersModel(fileSystem(dir)); // plain path, explicit handler
      tf.dispose([again.predict(x) as tf.Tensor]);
      again.dispose();
      tf.dispose([x, expected]);
      model.dispose();
    });
  });

  it('round-trips every model.json field: trainingConfig, signature, metadata, initializer', async () => {
    const dir = await freshDir();
    const artifacts: tf.io.ModelArtifacts = {
      modelTopology: { class_name: 'Custom' },
      format: 'graph-model',
      generatedBy: 'test',
      convertedBy: 'hand',
      trainingConfig: { loss: 'meanSquaredError', optimizer_config: { class_name: 'SGD', config: { learning_rate: 0.1 } } },
      signature: { inputs: { x: { name: 'x:0' } } },
      userDefinedMetadata: { epochs: 3, note: 'ok' },
      modelInitializer: { node: [] },
      initializerSignature: { outputs: {} },
      weightSpecs: [{ name: 'v', shape: [2], dtype: 'float32' }],
      weightData: new Float32Array([1, 2]).buffer,
    };
    await fileSystem(`file://${dir}/custom.json`).save(artifacts);
    expect((await readdir(dir)).sort()).toEqual(['custom.json', 'custom.weights.bin']);
    const loaded = await fileSystem(join(dir, 'custom.json')).load();
    const { weightData, ...rest } = loaded;
    expect(rest).toEqual({ ...artifacts, weightData: undefined, weightSpecs: artifacts.weightSpecs });
    expect(new Float32Array(weightData as ArrayBuffer)).toEqual(new Float32Array([1, 2]));
  });

  it('overwrites an existing model atomically, leaving no temporary files', async () => {
    const dir = await savedModel();
    await expectNoLeakAsync(async () => {
      const model = denseModel();
      await model.save(`file://${dir}`);
      model.dispose();
    });
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('fails with NOT_FOUND naming model.json and the missing weights file', async () => {
    const dir = await savedModel();
    await unlink(join(dir, 'weights.bin'));
    await expectNoLeakAsync(() =>
      expectRejects(tf.loadLayersModel(`file://${dir}/model.json`), 'NOT_FOUND', join(dir, 'model.json'), join(dir, 'weights.bin')));
  });

  it('fails with CORRUPT_FILE when weights.bin is truncated', async () => {
    const dir = await savedModel();
    await truncate(join(dir, 'weights.bin'), 100);
    await expectNoLeakAsync(() =>
      expectRejects(tf.loadLayersModel(`file://${dir}`), 'CORRUPT_FILE', 'weights.bin', 'model.json', 'hold 100 bytes'));
  });

  it('fails with NOT_FOUND for a missing model.json and CORRUPT_FILE for invalid JSON', async () => {
    const dir = await freshDir();
    await expectRejects(fileSystem(dir).load(), 'NOT_FOUND', join(dir, 'model.json'));
    await writeFile(join(dir, 'model.json'), '{"modelTopology": {');
    await expectRejects(fileSystem(`file://${dir}/model.json`).load(), 'CORRUPT_FILE', join(dir, 'model.json'), 'JSON');
    await writeFile(join(dir, 'model.json'), '{"weightsManifest": [{"paths": "weights.bin"}]}');
    await expectRejects(fileSystem(dir).load(), 'CORRUPT_FILE', 'weightsManifest');
  });

  it('reports IO_ERROR and removes its temporary file when the final rename fails', async () => {
    const dir = await freshDir();
    await mkdir(join(dir, 'model.json', 'occupied'), { recursive: true }); // rename onto a non-empty directory fails
    await expectNoLeakAsync(async () => {
      const model = denseModel();
      await expectRejects(model.save(`file://${dir}`), 'IO_ERROR', join(dir, 'model.json'));
      model.dispose();
    });
    expect((await readdir(dir)).sort()).toEqual(['model.json', 'weights.bin']);
  });

  it('reads every shard listed in the manifest, in order', async () => {
    const dir = await freshDir();
    await expectNoLeakAsync(async () => {
      const w = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
      const step = tf.scalar(3, 'int32');
      await saveWeightMap(dir, { w, step });
      const bytes = await readFile(join(dir, 'weights.bin'));
      await writeFile(join(dir, 'part1.bin'), bytes.subarray(0, 10));
      await writeFile(join(dir, 'part2.bin'), bytes.subarray(10));
      await unlink(join(dir, 'weights.bin'));
      const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as { weightsManifest: [{ paths: string[] }] };
      json.weightsManifest[0].paths = ['part1.bin', 'part2.bin'];
      await writeFile(join(dir, 'model.json'), JSON.stringify(json));
      const loaded = await loadWeightMap(`file://${dir}`);
      expect(loaded['w']?.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
      expect(loaded['step']?.dtype).toBe('int32');
      expect(loaded['step']?.arraySync()).toBe(3);
      tf.dispose([w, step]);
      return loaded;
    });
  });
});

describe('saveWeightMap / loadWeightMap', () => {
  it('round-trips named tensors of several dtypes', async () => {
    const dir = join(await freshDir(), 'nested', 'ckpt'); // missing directories are created
    await expectNoLeakAsync(async () => {
      const input = { 'kernel/a': tf.randomNormal([3, 2], 0, 1, 'float32', 1), n: tf.tensor1d([1, -2], 'int32'), m: tf.tensor1d([true, false], 'bool') };
      await saveWeightMap(`file://${dir}`, input);
      const loaded = await loadWeightMap(dir);
      for (const [name, t] of Object.entries(input)) {
        expect(loaded[name]?.dtype).toBe(t.dtype);
        expect(loaded[name]?.dataSync()).toEqual(t.dataSync());
      }
      tf.dispose(input);
      return loaded;
    });
  });

  it('rejects a disposed tensor', async () => {
    const t = tf.ones([2]);
    t.dispose();
    await expectRejects(saveWeightMap(await freshDir(), { t }), 'INVALID_ARGUMENT', "'t'", 'disposed');
  });
});

describe('readSafetensorsFile / writeSafetensorsFile', () => {
  it('round-trips tensors through a file, atomically', async () => {
    const dir = await freshDir();
    const file = join(dir, 'sub', 'w.safetensors');
    await expectNoLeakAsync(async () => {
      const input = { a: tf.tensor2d([[1.5, -2], [3, 4]]), b: tf.tensor1d([7, 8], 'int32') };
      await writeSafetensorsFile(`file://${file}`, input, { note: 'x' });
      const loaded = await readSafetensorsFile(file);
      expect(loaded['a']?.arraySync()).toEqual([[1.5, -2], [3, 4]]);
      expect(loaded['b']?.arraySync()).toEqual([7, 8]);
      tf.dispose(input);
      return loaded;
    });
    expect(await readdir(join(dir, 'sub'))).toEqual(['w.safetensors']);
  });

  it('fails with NOT_FOUND for a missing file and CORRUPT_FILE naming the path for a corrupt one', async () => {
    const dir = await freshDir();
    const file = join(dir, 'broken.safetensors');
    await expectRejects(readSafetensorsFile(file), 'NOT_FOUND', file);
    await writeFile(file, new Uint8Array([200, 0, 0, 0, 0, 0, 0, 0, 123]));
    await expectNoLeakAsync(() => expectRejects(readSafetensorsFile(file), 'CORRUPT_FILE', file, 'header claims 200 bytes'));
  });
});
