/**
 * Trains one zoo model on the Fashion-MNIST training split and writes it, with its manifest entry, into
 * packages/zoo/models/<name>/. Run from the repository root:
 *
 *   npm run train -w @robustjs/zoo -- --model cnn|featurizer [--epochs N] [--seed S]
 *
 * Adam (lr 1e-3), batch 128, softmax cross-entropy on logits, a seeded shuffle per epoch (seed + epoch),
 * seeded initialisers and seeded dropout masks (tfjs draws an unseeded `Dropout` layer's masks from `Math.random`, which
 * this script replaces with a generator seeded by `--seed`); progress goes to stderr. After every epoch the test split (10,000 images) is evaluated and the
 * files and manifest entry are written, so the manifest always describes the last completed epoch.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile, stat } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { fileSystem } from '@robustjs/core/node';
import { batches, type Dataset } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { buildArchitecture, type ZooModelName } from '../src/architectures';
import type { ZooManifest, ZooModelEntry } from '../src/manifestTypes';

const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'models');
const DEFAULT_SEED: Record<ZooModelName, number> = { cnn: 1, featurizer: 2 };
const DEFAULT_EPOCHS: Record<ZooModelName, number> = { cnn: 8, featurizer: 5 };

const { values } = parseArgs({
  options: { model: { type: 'string' }, epochs: { type: 'string' }, seed: { type: 'string' } },
  strict: true,
});
const name = values.model as ZooModelName;
if (name !== 'cnn' && name !== 'featurizer') {
  throw new Error(`--model must be 'cnn' or 'featurizer', got ${String(values.model)}.`);
}
const epochs = values.epochs === undefined ? DEFAULT_EPOCHS[name] : Number(values.epochs);
const seed = values.seed === undefined ? DEFAULT_SEED[name] : Number(values.seed);
if (!Number.isInteger(epochs) || epochs < 1 || !Number.isInteger(seed)) throw new Error('--epochs and --seed must be integers (epochs ≥ 1).');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

async function dataFiles(ds: Dataset): Promise<{ path: string; sha256: string }[]> {
  const dir = ds.source.slice(ds.source.indexOf(':') + 1);
  const out: { path: string; sha256: string }[] = [];
  for (const base of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) {
    const file = [`${base}.gz`, base].map((f) => join(dir, f)).find((f) => existsSync(f));
    if (file === undefined) throw new Error(`cannot find ${base} in ${dir} to checksum it.`);
    out.push({ path: file, sha256: sha256(await readFile(file)) });
  }
  return out;
}

async function accuracy(model: tf.LayersModel, ds: Dataset): Promise<number> {
  let correct = 0;
  for await (const { x, y } of batches(ds, { batchSize: 500 })) {
    const hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(model.predict(x) as tf.Tensor2D, 1), y), 'int32')));
    correct += (await hits.data())[0] ?? 0;
    tf.dispose([x, y, hits]);
  }
  return correct / ds.labels.length;
}

const backend = await initBackend();
const backendLabel = [backend.name, ...backend.tried.filter((t) => t.name === 'native' && t.ok).map(() => 'native oneDNN kernels')].join(' + ');
process.stderr.write(`backend: ${backendLabel}\n`);
const train = await loadFashionMnist({ split: 'train' });
const test = await loadFashionMnist({ split: 'test' });
process.stderr.write(`train: ${train.labels.length} images from ${train.source}; test: ${test.labels.length}\n`);

/** mulberry32: a small seeded uniform [0,1) generator, so that the dropout masks are reproducible. */
function seededRandom(s: number): () => number {
  let a = s >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
Math.random = seededRandom(seed * 7919 + 17);

const model = buildArchitecture(name, seed);
const optimizer = tf.train.adam(1e-3);
const manifestPath = join(MODELS_DIR, 'manifest.json');
const trainFiles = (await dataFiles(train)).map((f) => ({ name: f.path.slice(f.path.lastIndexOf('/') + 1), sha256: f.sha256 }));
let trainingMs = 0;
for (let epoch = 0; epoch < epochs; epoch++) {
  const start = performance.now();
  let sum = 0;
  let n = 0;
  for await (const { x, y } of batches(train, { batchSize: 128, shuffle: true, seed: seed * 1000 + epoch })) {
    const loss = optimizer.minimize(() => {
      const logits = model.apply(x, { training: true }) as tf.Tensor2D;
      return tf.losses.softmaxCrossEntropy(tf.oneHot(y, 10), logits);
    }, true) as tf.Scalar;
    sum += (await loss.data())[0] ?? 0;
    n++;
    tf.dispose([x, y, loss]);
    if (n % 50 === 0) {
      const secs = ((trainingMs + performance.now() - start) / 1000).toFixed(0);
      process.stderr.write(`epoch ${epoch + 1}/${epochs} batch ${n} loss ${(sum / n).toFixed(4)} (${secs} s)\n`);
    }
  }
  trainingMs += performance.now() - start;
  // Every epoch is a complete checkpoint: the files and manifest entry are exactly what
  // `--epochs ${epoch + 1}` produces (the shuffles depend only on seed and epoch index).
  await checkpoint(epoch + 1, sum / n, trainingMs / 1000);
}

async function checkpoint(done: number, trainLoss: number, trainingSeconds: number): Promise<void> {
  const testAccuracy = await accuracy(model, test);
  process.stderr.write(`epoch ${done}/${epochs}: train loss ${trainLoss.toFixed(4)}, test accuracy ${testAccuracy.toFixed(4)}, ${trainingSeconds.toFixed(0)} s\n`);
  const dir = join(MODELS_DIR, name);
  await model.save(fileSystem(dir));
  const files = [];
  for (const f of ['model.json', 'weights.bin']) {
    const bytes = await readFile(join(dir, f));
    files.push({ path: `${name}/${f}`, bytes: (await stat(join(dir, f))).size, sha256: sha256(bytes) });
  }
  const entry: ZooModelEntry = {
    name,
    architecture: model.layers.map((l) => `${l.getClassName()}${JSON.stringify(l.outputShape)}`).join(' → '),
    parameters: model.countParams(),
    command: `npm run train -w @robustjs/zoo -- --model ${name} --epochs ${done} --seed ${seed}`,
    seed,
    epochs: done,
    optimizer: 'adam lr 1e-3, batch 128, softmax cross-entropy on logits',
    data: { source: train.source, files: trainFiles },
    trainingTimeSeconds: Math.round(trainingSeconds * 10) / 10,
    backend: backendLabel,
    metrics: { testAccuracy, testImages: test.labels.length, trainLoss: Math.round(trainLoss * 1e4) / 1e4 },
    files,
    createdAt: new Date().toISOString(),
  };
  const old: ZooManifest = existsSync(manifestPath)
    ? (JSON.parse(await readFile(manifestPath, 'utf8')) as ZooManifest)
    : { dataset: 'fashion-mnist', models: [] };
  const models = [...old.models.filter((m) => m.name !== name), entry].sort((a, b) => a.name.localeCompare(b.name));
  await writeFile(manifestPath, `${JSON.stringify({ ...old, models }, null, 2)}\n`);
  process.stderr.write(`wrote ${dir} and ${manifestPath}\n`);
}
