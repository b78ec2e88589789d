/**
 * Trains the Fashion-MNIST diffusion UNet shipped in @robustjs/zoo (models/unet/). Run from the repository root:
 *
 *   npm run train:diffusion -- [--preset small] [--steps 1200] [--batch 64] [--lr 1e-3] [--tmax 300] [--seed 0]
 *                              [--decay-start -1] [--out packages/zoo/models/unet] [--checkpoint <file>] [--resume]
 *
 * Linear DDPM schedule (1e-4 … 2e-2, T = 1000), epsilon loss with t uniform in [0, tmax), Adam with 100 warm-up
 * steps (and with `--decay-start s` a linear decay of the rate from step s to the end), EMA 0.995 of the weights (the shipped weights are the EMA). A checkpoint is written every 100 steps
 * (default <out>/../.unet-checkpoint.safetensors, not committed, with a .json sidecar holding the training seconds
 * so far); `--resume` continues from it with the same numbers (a run resumed with a smaller `--steps` equals an
 * uninterrupted run of that many steps: the learning rate does not depend on the total, nor before --decay-start on that). At the end the EMA weights go to <out>/unet.safetensors and <out>/training.json records the command,
 * seed, data checksum, settings, time and loss; `npm run evaluate -w @robustjs/diffusion` then adds the metrics
 * and the manifest.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { createUnet, linearSchedule, trainDiffusion, type UnetPreset } from '../src/index';
import { disposeCheckpoint, loadCheckpoint, saveCheckpoint, saveUnet } from '../src/node';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { values } = parseArgs({
  options: {
    preset: { type: 'string', default: 'small' }, steps: { type: 'string', default: '1200' },
    batch: { type: 'string', default: '64' }, lr: { type: 'string', default: '1e-3' },
    tmax: { type: 'string', default: '300' }, seed: { type: 'string', default: '0' }, 'decay-start': { type: 'string', default: '-1' },
    out: { type: 'string', default: join(ROOT, 'packages/zoo/models/unet') },
    checkpoint: { type: 'string' }, resume: { type: 'boolean', default: false },
  },
  strict: true,
});
const num = (k: keyof typeof values): number => {
  const v = Number(values[k]);
  if (!Number.isFinite(v)) throw new Error(`--${k} must be a number, got ${String(values[k])}`);
  return v;
};
const out = resolve(values.out!);
const ckptPath = values.checkpoint ?? join(dirname(out), '.unet-checkpoint.safetensors');
const backend = await initBackend();
const backendLabel = [backend.name, ...backend.tried.filter((t) => t.name === 'native' && t.ok).map(() => 'native oneDNN kernels')].join(' + ');
process.stderr.write(`backend: ${backendLabel}\n`);
const train = await loadFashionMnist({ split: 'train' });
const schedule = linearSchedule();
const unet = createUnet({ preset: values.preset as UnetPreset, seed: num('seed') });
process.stderr.write(`UNet ${values.preset}: ${unet.paramCount} parameters; ${train.shape[0]} training images from ${train.source}\n`);
const resume = values.resume && existsSync(ckptPath) ? await loadCheckpoint(ckptPath) : undefined;
// training time of the interrupted segments before this one (written beside every checkpoint)
const sidecar = `${ckptPath}.json`;
const before = resume !== undefined && existsSync(sidecar)
  ? (JSON.parse(await readFile(sidecar, 'utf8')) as { step: number; elapsedSeconds: number }) : { step: 0, elapsedSeconds: 0 };
if (resume !== undefined && before.step !== resume.step) throw new Error(`${sidecar} is for step ${before.step}, the checkpoint for ${resume.step}`);
if (resume !== undefined) process.stderr.write(`resuming at step ${resume.step} (${before.elapsedSeconds.toFixed(0)} s of training before)\n`);
const t0 = Date.now();
const result = await trainDiffusion(unet, train, schedule, {
  steps: num('steps'), batchSize: num('batch'), learningRate: num('lr'), tMax: num('tmax'), seed: num('seed'), decayStart: num('decay-start'),
  checkpointEvery: 100, resume,
  onCheckpoint: async (c) => {
    await saveCheckpoint(c, ckptPath);
    await writeFile(sidecar, JSON.stringify({ step: c.step, elapsedSeconds: before.elapsedSeconds + (Date.now() - t0) / 1000 }));
  },
  onProgress: (p) => process.stderr.write(
    `step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)} (smoothed ${p.smoothedLoss.toFixed(4)})  ` +
      `${(p.elapsedMs / 1000).toFixed(0)} s  ${p.imagesPerSecond.toFixed(1)} img/s\n`),
});
if (resume !== undefined) disposeCheckpoint(resume);
unet.setWeights(result.ema);
tf.dispose(Object.values(result.ema));
await mkdir(out, { recursive: true });
await saveUnet(unet, join(out, 'unet.safetensors'), { dataset: 'fashion-mnist', schedule: JSON.stringify(schedule.settings) });

const dir = train.source.slice(train.source.indexOf(':') + 1);
const files = [];
for (const base of ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte']) {
  const file = [`${base}.gz`, base].map((f) => join(dir, f)).find((f) => existsSync(f));
  if (file !== undefined) files.push({ name: file.slice(dir.length + 1), sha256: createHash('sha256').update(await readFile(file)).digest('hex') });
}
const record = {
  command: `npm run train:diffusion -- --preset ${values.preset} --steps ${values.steps} --batch ${values.batch} --lr ${values.lr} --tmax ${values.tmax} --seed ${values.seed}${num('decay-start') >= 0 ? ` --decay-start ${values['decay-start']}` : ''}`,
  preset: values.preset, config: unet.config, parameters: unet.paramCount, seed: num('seed'),
  schedule: schedule.settings,
  training: { steps: num('steps'), batchSize: num('batch'), learningRate: num('lr'), warmupSteps: 100, decayStart: num('decay-start'), emaDecay: 0.995, tMin: 0, tMax: num('tmax'), optimizer: 'adam' },
  data: { source: train.source, files },
  trainingTimeSeconds: before.elapsedSeconds + (Date.now() - t0) / 1000,
  resumed: resume === undefined ? [] : [{ atStep: resume.step, secondsBefore: before.elapsedSeconds }],
  finalSmoothedLoss: result.smoothedLoss,
  backend: backendLabel,
  createdAt: new Date().toISOString(),
};
await writeFile(join(out, 'training.json'), `${JSON.stringify(record, null, 2)}\n`);
process.stderr.write(`saved ${join(out, 'unet.safetensors')} after ${record.trainingTimeSeconds.toFixed(0)} s\n`);
unet.dispose();
