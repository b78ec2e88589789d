/**
 * End to end: add @robustjs/mmd's batch detector to an existing tfjs classifier pipeline.
 *
 *   node --conditions=@robustjs/source --import tsx packages/mmd/examples/detector-in-pipeline.ts
 *
 * 1. Train a small classifier on synthetic 3-class data (stand-in for your model and data).
 * 2. Attack it with FGSM (a stand-in for MMA/PGD; gradients through the classifier).
 * 3. Fit the MMD detector on paired clean / adversarial training samples with φ = the classifier's
 *    penultimate layer (DAD's setting: φ frozen, MMD-OPT on σ0, σ, ε), calibrate at 5 % false alarms on
 *    held-out clean data, save it and load it back.
 * 4. Route incoming batches: a batch judged clean is classified; a flagged batch is set aside (DAD would
 *    denoise it). Print one JSON summary line and exit non-zero if the detector misbehaves.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import '@robustjs/core/register';
import { MmdDetector } from '@robustjs/mmd';

await tf.setBackend('wasm');
const D = 20;
const K = 3;
const BATCH = 50;

/** Three Gaussian classes in D dimensions, mean 3·e_k for class k. */
function makeData(n: number, seed: number): { x: tf.Tensor2D; y: tf.Tensor1D } {
  return tf.tidy(() => {
    const y = tf.randomUniform([n], 0, K, 'int32', seed) as tf.Tensor1D;
    const means = tf.tensor2d(Array.from({ length: K }, (_, k) => Array.from({ length: D }, (_, d) => (d === k ? 3 : 0))));
    const x = tf.add(tf.gather(means, y), tf.randomNormal([n, D], 0, 1, 'float32', seed + 1)) as tf.Tensor2D;
    return { x, y };
  });
}

// 1. The existing pipeline: a classifier and its data.
const model = tf.sequential({
  layers: [
    tf.layers.dense({ inputShape: [D], units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
    tf.layers.dense({ units: K, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
  ],
});
model.compile({ optimizer: tf.train.adam(0.01), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const train = makeData(2000, 1);
const trainLabels = tf.cast(train.y, 'float32'); // tfjs-layers' sparse cross-entropy wants float labels
await model.fit(train.x, trainLabels, { epochs: 10, batchSize: 100, shuffle: false, verbose: 0 });
const accuracy = (x: tf.Tensor, y: tf.Tensor): number =>
  tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(x) as tf.Tensor, 1), y), 'float32')).dataSync()[0] as number);

// 2. The threat: FGSM, x + ε·sign(∇x CE).
function fgsm(x: tf.Tensor2D, y: tf.Tensor1D, eps = 1): tf.Tensor2D {
  return tf.tidy(() => {
    const grad = tf.grad((v: tf.Tensor) => tf.losses.softmaxCrossEntropy(tf.oneHot(y, K), model.predict(v) as tf.Tensor))(x);
    return tf.add(x, tf.mul(tf.sign(grad), eps)) as tf.Tensor2D;
  });
}

// 3. The detector: φ = penultimate layer, fit on 300 paired samples, calibrate on held-out clean data.
const phi = tf.model({ inputs: model.inputs, outputs: model.layers[0]?.output as tf.SymbolicTensor });
const fitData = makeData(300, 2);
const fitAdv = fgsm(fitData.x, fitData.y);
const detector = new MmdDetector(phi, { referenceSize: BATCH, steps: 100, learningRate: 0.01 });
const { history, finalJ } = await detector.fit(fitData.x, fitAdv);
const heldOut = makeData(2000, 3);
const threshold = detector.calibrate(heldOut.x, { fpr: 0.05, batches: 200 });
const dir = mkdtempSync(join(tmpdir(), 'robustjs-mmd-'));
writeFileSync(join(dir, 'detector.safetensors'), await detector.save());
const restored = MmdDetector.load(new Uint8Array(readFileSync(join(dir, 'detector.safetensors'))), phi, 'detector.safetensors');
rmSync(dir, { recursive: true, force: true });

// 4. Serving: route each incoming batch through the detector.
const test = makeData(2000, 4);
let cleanFlagged = 0;
let advFlagged = 0;
let cleanCorrect = 0;
let advCorrectUndefended = 0;
let advCorrectServed = 0;
let advServed = 0;
const batches = test.x.shape[0] / BATCH;
for (let b = 0; b < batches; b++) {
  const [x, y] = [test.x.slice(b * BATCH, BATCH), test.y.slice(b * BATCH, BATCH)];
  const xAdv = fgsm(x, y);
  const onClean = restored.predict(x);
  const onAdv = restored.predict(xAdv);
  if (onClean.statistic !== detector.predict(x).statistic) throw new Error('the loaded detector disagrees with the saved one');
  if (onClean.isAdversarial) cleanFlagged++;
  else cleanCorrect += accuracy(x, y) * BATCH;
  advCorrectUndefended += accuracy(xAdv, y) * BATCH;
  if (onAdv.isAdversarial) advFlagged++;
  else {
    advServed += BATCH;
    advCorrectServed += accuracy(xAdv, y) * BATCH;
  }
  tf.dispose([x, y, xAdv]);
}
const summary = {
  cleanAccuracy: accuracy(test.x, test.y),
  adversarialAccuracyUndefended: advCorrectUndefended / test.x.shape[0],
  mmdOpt: { initialJ: history[0], finalJ },
  threshold,
  cleanBatchesFlagged: `${cleanFlagged}/${batches}`,
  adversarialBatchesFlagged: `${advFlagged}/${batches}`,
  accuracyOnServedCleanBatches: cleanCorrect / Math.max(1, (batches - cleanFlagged) * BATCH),
  adversarialImagesServed: advServed,
  accuracyOnServedAdversarialBatches: advServed > 0 ? advCorrectServed / advServed : null,
};
console.log(JSON.stringify(summary));
tf.dispose([train.x, train.y, trainLabels, fitData.x, fitData.y, fitAdv, heldOut.x, heldOut.y, test.x, test.y]);
detector.dispose();
restored.dispose();
if (advFlagged < 0.9 * batches || cleanFlagged > 0.25 * batches) {
  console.error('detector-in-pipeline: the detector missed adversarial batches or flagged too many clean ones');
  process.exit(1);
}
