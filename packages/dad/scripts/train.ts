/**
 * Trains DAD on Fashion-MNIST against the zoo classifier and writes packages/zoo/models/dad/
 * (denoiser.safetensors, detector.safetensors, manifest.json). Run from the repository root:
 *
 *   npm run train -w @robustjs/dad -- [--seed 0] [--epochs 10] [--denoiser-images 4000] [--quick] [--mma-only] [--out DIR]
 *
 * 1. Splits the training set (seeded): an MMD subset of 50 images per class (shuffled; its first 100 images are
 *    the reference batch R), a denoiser set, and a clean calibration pool, all disjoint.
 * 2. MMA adversarial examples (l_inf eps 0.1, step 0.025, 10 steps, k = 3, κ = 50) against the zoo CNN.
 * 3. MMD-OPT (MmdDetector.fit: 200 full-batch Adam steps at 2e-4 on σ0, σ, ε; φ = the zoo featurizer, frozen).
 * 4. Threshold: the 99th percentile of MMD²_b(R, B) over 200 clean batches of 100 drawn from the pool (fpr 0.01).
 * 5. Denoiser: trainDenoiser (MMD²_b + 0.01·CE, clamped noise, Adam 1e-3 ×0.1 at 75 %, batch 100), checkpointed
 *    after every epoch into packages/dad/.train-cache/ and resumed from there when the command is run again.
 * 6. Metrics on the first 1,000 test images and their MMA examples; files and manifest written.
 * Progress goes to stderr.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { decodeSafetensors, encodeSafetensors, initBackend, parseSafetensors, type Images, type Labels } from '@robustjs/core';
import { MmdDetector } from '@robustjs/mmd';
import { balancedSubset, select, shuffle, toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { zooEntry } from '@robustjs/zoo';
import { loadFeaturizer, referenceClassifier } from '@robustjs/zoo/node';
import { DENOISER_PRESETS, Denoiser, addClampedNoise, kernelFromDetector, trainDenoiser, type TrainDenoiserCheckpoint } from '../src/index';
import { CACHE_DIR, DAD_DIR, MMA_SETTINGS, backendLabel, dataFiles, mmaInChunks, sha256 } from './common';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '0' },
    epochs: { type: 'string', default: '10' },
    'denoiser-images': { type: 'string', default: '4000' },
    quick: { type: 'boolean', default: false },
    'mma-only': { type: 'boolean', default: false },
    out: { type: 'string', default: DAD_DIR },
  },
  strict: true,
});
const seed = Number(values.seed);
const quick = values.quick === true;
const epochs = quick ? 1 : Number(values.epochs);
const denoiserImages = quick ? 200 : Number(values['denoiser-images']);
const perClass = quick ? 20 : 50;
const fpr = 0.01;
const calibrationBatches = quick ? 100 : 200;
const poolImages = quick ? 500 : 2000;
const log = (s: string): void => { process.stderr.write(`${s}\n`); };
const command = `npm run train -w @robustjs/dad -- --seed ${seed} --epochs ${epochs} --denoiser-images ${denoiserImages}${quick ? ' --quick' : ''}`;

const backend = await initBackend();
log(`backend: ${backendLabel(backend)}`);
const t0 = performance.now();
const train = await loadFashionMnist({ split: 'train' });
const test = await loadFashionMnist({ split: 'test' });
const classifier = await referenceClassifier();
const featurizer = await loadFeaturizer();

// 1. Disjoint splits of the training set.
// The shuffled training set is cut into disjoint ranges: [0, 10000) for the class-balanced MMD subset,
// then the denoiser set, then the calibration pool.
const shuffled = shuffle(train, { seed });
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);
const mmdSet = shuffle(balancedSubset(select(shuffled, range(0, 10_000)), { perClass, seed }), { seed });
const denoiserSet = select(shuffled, range(10_000, denoiserImages));
const pool = select(shuffled, range(10_000 + denoiserImages, poolImages));
log(`splits: MMD subset ${mmdSet.shape[0]}, denoiser set ${denoiserSet.shape[0]}, calibration pool ${pool.shape[0]}`);

// 2. MMA adversarial examples (cached).
await mkdir(CACHE_DIR, { recursive: true });
const tag = `seed${seed}-pc${perClass}-n${denoiserImages}-${zooEntry('cnn').files.map((f) => f.sha256.slice(0, 8)).join('')}`;
let mmaSeconds = 0;
async function cachedMma(name: string, x: Images, y: Labels): Promise<Images> {
  const file = join(CACHE_DIR, `mma-${name}-${tag}.safetensors`);
  if (existsSync(file)) {
    const bytes = new Uint8Array(await readFile(file));
    mmaSeconds += Number(parseSafetensors(bytes).metadata['seconds'] ?? 'NaN');
    return decodeSafetensors(bytes)['x'] as Images;
  }
  const start = performance.now();
  const adv = await mmaInChunks(classifier, x, y, seed * 100_000 + (name === 'mmd' ? 0 : 50_000), 250, (d) => log(`MMA ${name}: ${d}/${x.shape[0]} (${((performance.now() - start) / 1000).toFixed(0)} s)`));
  const seconds = (performance.now() - start) / 1000;
  mmaSeconds += seconds;
  await writeFile(file, await encodeSafetensors({ x: adv }, { seconds: String(seconds) }));
  return adv;
}
const mmdData = toTensors(mmdSet);
const denData = toTensors(denoiserSet);
const mmdAdv = await cachedMma('mmd', mmdData.x, mmdData.y);
const denAdv = await cachedMma('denoiser', denData.x, denData.y);
if (values['mma-only'] === true) {
  log(`MMA examples cached in ${CACHE_DIR}`);
  process.exit(0);
}

// 3. MMD-OPT.
// φ as a plain function: the detector file then holds no copy of the zoo featurizer's weights (< 2 MB shipped).
const phi = (x: tf.Tensor): tf.Tensor => featurizer.apply(x) as tf.Tensor;
const detector = new MmdDetector(phi, { referenceSize: 100 });
const fit = await detector.fit(mmdData.x, mmdAdv, { onStep: (p) => { if (p.step % 50 === 0) log(`MMD-OPT step ${p.step}/${p.steps}: J ${p.j.toFixed(3)}`); } });
log(`MMD-OPT: J ${fit.history[0]?.toFixed(3)} → ${fit.finalJ.toFixed(3)}; σ0 ${fit.params.sigma0.toPrecision(4)}, σ ${fit.params.sigma.toPrecision(4)}, ε ${fit.params.eps.toPrecision(3)}`);

// 4. Threshold from clean-vs-R statistics.
const poolData = toTensors(pool);
const threshold = detector.calibrate(poolData.x, { fpr, batches: calibrationBatches, batchSize: 100, seed });
log(`threshold θ = ${threshold.toPrecision(4)} (fpr ${fpr}, ${calibrationBatches} clean batches of 100)`);

// 5. Denoiser, checkpointed and resumable.
const kernel = await kernelFromDetector(detector);
const denoiser = new Denoiser({ ...DENOISER_PRESETS.fmnist, seed });
const ckptFile = join(CACHE_DIR, `checkpoint-${tag}-e${epochs}.json`);
let resume: TrainDenoiserCheckpoint | undefined;
if (existsSync(ckptFile)) {
  const raw = JSON.parse(await readFile(ckptFile, 'utf8')) as { epoch: number; denoiser: string; optimizer: string; history: TrainDenoiserCheckpoint['history']; seconds: number };
  resume = { epoch: raw.epoch, history: raw.history, denoiser: new Uint8Array(Buffer.from(raw.denoiser, 'base64')), optimizer: new Uint8Array(Buffer.from(raw.optimizer, 'base64')) };
  log(`resuming from ${ckptFile} after epoch ${raw.epoch}`);
}
let seconds = resume === undefined ? 0 : (JSON.parse(await readFile(ckptFile, 'utf8')) as { seconds: number }).seconds;
let epochStart = performance.now();
const history = await trainDenoiser(denoiser, { clean: denData.x, adversarial: denAdv, labels: denData.y }, { kernel, classifier }, {
  epochs, batchSize: 100, seed, ...(resume === undefined ? {} : { resume }),
  onStep: (p) => { if (p.step % 10 === 0) log(`epoch ${p.epoch + 1}/${epochs} step ${p.step}/${p.stepsPerEpoch}: loss ${p.loss.toFixed(4)} (mmd ${p.mmd.toFixed(4)}, ce ${p.ce.toFixed(3)}), lr ${p.learningRate}`); },
  onEpochEnd: async (c) => {
    seconds += (performance.now() - epochStart) / 1000;
    epochStart = performance.now();
    const last = c.history[c.history.length - 1];
    log(`epoch ${c.epoch}/${epochs} done: loss ${last?.loss.toFixed(4)}, mmd ${last?.mmd.toFixed(4)}, ce ${last?.ce.toFixed(3)} (${seconds.toFixed(0)} s denoiser training)`);
    await writeFile(ckptFile, JSON.stringify({ epoch: c.epoch, history: c.history, seconds, denoiser: Buffer.from(c.denoiser).toString('base64'), optimizer: Buffer.from(c.optimizer).toString('base64') }));
  },
});

// 6. Metrics on held-out test images.
const evalN = quick ? 200 : 1000;
const testData = toTensors(test, Array.from({ length: evalN }, (_, i) => i));
const testAdv = await mmaInChunks(classifier, testData.x, testData.y, 9_000_000);
const acc = (x: tf.Tensor4D): number => tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(classifier(x), 1), testData.y), 'float32')).dataSync()[0] as number);
const denoised = tf.tidy(() => denoiser.apply(addClampedNoise(testAdv, { seed: 12345 })));
const denoisedClean = tf.tidy(() => denoiser.apply(addClampedNoise(testData.x, { seed: 54321 })));
const batchStat = (a: tf.Tensor4D, b: tf.Tensor4D): number => {
  let sum = 0;
  const k = evalN / 100;
  for (let i = 0; i < k; i++) {
    sum += tf.tidy(() => {
      const [ea, eb] = [kernel.embed(tf.slice(a, i * 100, 100)), kernel.embed(tf.slice(b, i * 100, 100))];
      const kxx = kernel.matrix(ea, ea), kyy = kernel.matrix(eb, eb), kxy = kernel.matrix(ea, eb);
      return tf.sub(tf.add(tf.mean(kxx), tf.mean(kyy)), tf.mul(2, tf.mean(kxy))).dataSync()[0] as number;
    });
  }
  return sum / k;
};
const flaggedAdv = Array.from({ length: evalN / 100 }, (_, i) => tf.tidy(() => detector.predict(tf.slice(testAdv, i * 100, 100)).isAdversarial)).filter(Boolean).length;
const flaggedClean = Array.from({ length: evalN / 100 }, (_, i) => tf.tidy(() => detector.predict(tf.slice(testData.x, i * 100, 100)).isAdversarial)).filter(Boolean).length;
const metrics = {
  testImages: evalN,
  classifierCleanAccuracy: acc(testData.x),
  classifierMmaAccuracy: acc(testAdv),
  classifierOnDenoisedNoisyMmaAccuracy: acc(denoised),
  classifierOnDenoisedNoisyCleanAccuracy: acc(denoisedClean),
  mmd2bCleanVsMma: batchStat(testData.x, testAdv),
  mmd2bCleanVsDenoisedMma: batchStat(testData.x, denoised),
  flaggedMmaBatches: `${flaggedAdv}/${evalN / 100}`,
  flaggedCleanBatches: `${flaggedClean}/${evalN / 100}`,
  mmdOpt: { jInitial: fit.history[0], jFinal: fit.finalJ, ...fit.params },
  denoiserHistory: history.map((h) => ({ epoch: h.epoch + 1, loss: round(h.loss), mmd: round(h.mmd), ce: round(h.ce), learningRate: h.learningRate })),
};
function round(v: number): number { return Math.round(v * 1e5) / 1e5; }
log(JSON.stringify(metrics));

// Files and manifest.
const outDir = values.out as string;
await mkdir(outDir, { recursive: true });
const files: { path: string; bytes: number; sha256: string }[] = [];
for (const [path, bytes] of [['denoiser.safetensors', denoiser.save()], ['detector.safetensors', await detector.save()]] as const) {
  await writeFile(join(outDir, path), bytes);
  files.push({ path, bytes: (await stat(join(outDir, path))).size, sha256: sha256(bytes) });
}
const manifest = {
  name: 'dad',
  dataset: 'fashion-mnist',
  command,
  seed,
  data: { source: train.source, train: await dataFiles(train, 'train'), test: await dataFiles(test, 't10k') },
  classifier: { zoo: 'cnn', sha256: zooEntry('cnn').files.map((f) => f.sha256) },
  featurizer: { zoo: 'featurizer', layer: 'features', sha256: zooEntry('featurizer').files.map((f) => f.sha256), savedIn: 'not saved in detector.safetensors: passed as a function (loadFeaturizer()) when loading' },
  mma: { ...MMA_SETTINGS, norm: 'linf', randomStart: true },
  splits: { mmdSubset: `${perClass} per class (${mmdSet.shape[0]}), reference R = its first 100 after a seeded shuffle`, denoiserSet: denoiserImages, calibrationPool: poolImages },
  mmdOpt: { steps: detector.config.steps, learningRate: detector.config.learningRate, estimator: detector.config.estimator, ...fit.params },
  threshold: { value: threshold, fpr, batchSize: 100, batches: calibrationBatches, pool: `${poolImages} clean training images disjoint from the other splits` },
  denoiser: { config: denoiser.config, parameters: denoiser.parameterCount, epochs, batchSize: 100, optimizer: 'adam lr 1e-3, ×0.1 from epoch ⌊0.75·epochs⌋', alpha: 0.01, noise: 'clip(N(0,0.25²),0,1)' },
  trainingTimeSeconds: { mma: Math.round(mmaSeconds * 10) / 10, denoiser: Math.round(seconds * 10) / 10, total: Math.round((performance.now() - t0) / 100) / 10, note: 'total covers this run; MMA examples cached by an earlier run count in mma, not in total' },
  backend: backendLabel(backend),
  metrics,
  files,
  createdAt: new Date().toISOString(),
};
await writeFile(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
await rm(ckptFile, { force: true });
log(`wrote ${outDir} (${files.map((f) => `${f.path} ${f.bytes} B`).join(', ')}) in ${manifest.trainingTimeSeconds.total} s`);
