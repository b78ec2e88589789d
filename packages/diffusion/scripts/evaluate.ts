/**
 * Measures the shipped Fashion-MNIST UNet (packages/zoo/models/unet/) and writes its manifest. Run from the
 * repository root after `npm run train:diffusion`:
 *
 *   npm run evaluate -w @robustjs/diffusion -- [--dir packages/zoo/models/unet] [--images 1000] [--seed 0]
 *
 * On the first `--images` Fashion-MNIST test images (pixels in [0,1], diffusion space u = 2x − 1):
 * - x0 prediction at t = 100 (noise index 99): MSE of û0 = (u_t − sqrt(1−ᾱ)ε̂)/sqrt(ᾱ) against u0, versus the
 *   MSE of the noisy input u_t itself and of its rescaled form u_t/sqrt(ᾱ); ratios noisy/predicted.
 * - DiffPure (DDPM, η = 1) at t* = 100 with 20 steps: PSNR (peak 1, in [0,1]) of the purified images against the
 *   originals, versus the PSNR of the noisy input clip((u_t + 1)/2) at the same t*; and the same chain with η = 0.
 * Writes manifest.json beside the weights: command, seed, data checksums, training settings and time (from
 * training.json), the metrics, and the sha256 and size of each file.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { diffPure, linearSchedule, toDiffusionRange } from '../src/index';
import { loadUnet } from '../src/node';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: join(ROOT, 'packages/zoo/models/unet') },
    images: { type: 'string', default: '1000' }, seed: { type: 'string', default: '0' },
  },
  strict: true,
});
const dir = resolve(values.dir!);
const nImages = Number(values.images);
const seed = Number(values.seed);
const backend = await initBackend();
const unet = await loadUnet(join(dir, 'unet.safetensors'));
const schedule = linearSchedule();
const test = await loadFashionMnist({ split: 'test' });
const rows = Array.from({ length: nImages }, (_, i) => i);
const batch = 100;
const tStar = 100;
const idx = tStar - 1;
const ab = schedule.alphasCumprod[idx]!;
let msePred = 0;
let mseNoisy = 0;
let mseRescaled = 0;
let psnrPurified = 0;
let psnrNoisy = 0;
let psnrDdim = 0;
const purifier = diffPure(unet.predict, schedule, { t: tStar, steps: 20, seed });
const ddim = diffPure(unet.predict, schedule, { t: tStar, steps: 20, eta: 0, seed });
const psnr = (a: tf.Tensor, b: tf.Tensor): Float32Array => tf.tidy(() => {
  const mse = tf.mean(tf.squaredDifference(a, b), [1, 2, 3]);
  return tf.mul(-10 / Math.LN10, tf.log(mse)).dataSync() as Float32Array;
});
const t0 = Date.now();
for (let start = 0; start < nImages; start += batch) {
  const { x, y } = toTensors(test, rows.slice(start, start + batch));
  const n = x.shape[0];
  const part = tf.tidy(() => {
    const u0 = toDiffusionRange(x);
    const z = tf.randomNormal(u0.shape, 0, 1, 'float32', seed + start);
    const ut = tf.add(tf.mul(u0, Math.sqrt(ab)), tf.mul(z, Math.sqrt(1 - ab))) as tf.Tensor4D;
    const eps = unet.predict(ut, tf.fill([n], idx, 'int32') as tf.Tensor1D);
    const x0 = tf.div(tf.sub(ut, tf.mul(eps, Math.sqrt(1 - ab))), Math.sqrt(ab));
    const sum = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mean(tf.squaredDifference(a, b), [1, 2, 3])).dataSync()[0]!;
    const noisyX = tf.clipByValue(tf.div(tf.add(ut, 1), 2), 0, 1);
    return {
      pred: sum(x0, u0), noisy: sum(ut, u0), rescaled: sum(tf.div(ut, Math.sqrt(ab)), u0),
      psnrNoisy: psnr(noisyX, x).reduce((a, b) => a + b, 0),
    };
  });
  msePred += part.pred;
  mseNoisy += part.noisy;
  mseRescaled += part.rescaled;
  psnrNoisy += part.psnrNoisy;
  const purified = purifier(x, undefined, { seed: seed + 7 + start });
  psnrPurified += psnr(purified, x).reduce((a, b) => a + b, 0);
  const deterministic = ddim(x, undefined, { seed: seed + 7 + start });
  psnrDdim += psnr(deterministic, x).reduce((a, b) => a + b, 0);
  tf.dispose([x, y, purified, deterministic]);
  process.stderr.write(`${start + n}/${nImages} images, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}
const metrics = {
  images: nImages,
  split: 'test (first images)',
  x0AtT100: {
    noiseIndex: idx,
    msePredictedX0: msePred / nImages,
    mseNoisyInput: mseNoisy / nImages,
    mseRescaledNoisyInput: mseRescaled / nImages,
    ratioNoisyToPredicted: mseNoisy / msePred,
    ratioRescaledToPredicted: mseRescaled / msePred,
    space: 'diffusion range [-1,1]',
  },
  diffPureT100Steps20: {
    psnrPurifiedDb: psnrPurified / nImages,
    psnrNoisyInputDb: psnrNoisy / nImages,
    gainDb: (psnrPurified - psnrNoisy) / nImages,
    space: 'pixels [0,1], peak 1, mean of per-image PSNR',
  },
  ddimEta0T100Steps20: {
    psnrPurifiedDb: psnrDdim / nImages,
    gainDb: (psnrDdim - psnrNoisy) / nImages,
    note: 'the same chain with eta = 0 (deterministic after the forward noising)',
  },
  evaluationSeconds: (Date.now() - t0) / 1000,
  backend: backend.name,
};
const training = JSON.parse(await readFile(join(dir, 'training.json'), 'utf8')) as Record<string, unknown>;
const files = [];
for (const f of ['unet.safetensors', 'training.json']) {
  const bytes = await readFile(join(dir, f));
  files.push({ path: `unet/${f}`, bytes: (await stat(join(dir, f))).size, sha256: createHash('sha256').update(bytes).digest('hex') });
}
const manifest = {
  name: 'unet',
  description: 'Fashion-MNIST epsilon-prediction DDPM UNet (linear betas 1e-4…2e-2, T = 1000), EMA weights',
  ...training,
  evaluateCommand: `npm run evaluate -w @robustjs/diffusion -- --images ${nImages} --seed ${seed}`,
  metrics,
  files,
};
if (!existsSync(dir)) throw new Error(`no folder ${dir}`);
await writeFile(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`${JSON.stringify(metrics, null, 2)}\n`);
unet.dispose();
