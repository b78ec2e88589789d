import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { evaluateDefense, pgdEotAttack, undefended, type EvaluationAttack } from '@robustjs/attacks';
import type { Defense, Images, Labels } from '@robustjs/core';
import { dadAdaptiveEvaluationAttack, dadDefense, Denoiser } from '@robustjs/dad';
import { permutation, toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { diffPure, gdmp, gns, linearSchedule, purifierDefense } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import { MmdDetector } from '@robustjs/mmd';
import { calibrate, ssniDefense, ssniPurifier } from '@robustjs/ssni';
import { loadFeaturizer, referenceClassifier } from '@robustjs/zoo';
import { beforeAll, expect, it } from 'vitest';
import { DEMO_PROTOCOL, runCli, type Report } from '../src/index';
import { captureIo, protocolFile, tempDir, tinyDadDir, tinyUnetFile } from './helpers';

// The demo protocol's seven defenses at a test budget, once through `robustjs eval` and once written by hand with the
// library's factories and `evaluateDefense`, as a user would: the per-image outcomes must be identical.
const PROTOCOL = { ...DEMO_PROTOCOL, images: 8, batchSize: 8, chunkSize: 4, examples: 0, attack: { ...DEMO_PROTOCOL.attack, steps: 2 } };

let dir = '';
let unetPath = '';
let dadPath = '';
beforeAll(async () => {
  dir = tempDir();
  unetPath = await tinyUnetFile(dir);
  dadPath = await tinyDadDir(dir);
});

/** The library path: every defense of the demo protocol built by hand. */
async function libraryDefenses(): Promise<{ defense: Defense; attacks: EvaluationAttack[] }[]> {
  const classifier = await referenceClassifier();
  const unet = await loadUnet(unetPath);
  const schedule = linearSchedule();
  const data = await loadFashionMnist({ split: 'test' });
  const order = permutation(data.shape[0], PROTOCOL.seed);
  const { x: held } = toTensors(data, order.slice(order.length - 100));
  const calibration = calibrate(unet.predict, schedule, held, { steps: 5, seed: PROTOCOL.seed, modelId: 'robustjs-zoo-unet' });
  held.dispose();
  const pgdEot = [pgdEotAttack({ steps: 2, eot: 1, chunkSize: 4 })];
  const dp = diffPure(unet.predict, schedule, { t: 200, steps: 10 });
  const dpSurrogate = dp.with({ steps: [3], gradient: 'full' });
  const ssniAround = (rule: 'ssni-n' | 'ssni-l'): Defense => {
    const extraSteps = Math.round((5 * 10) / 200); // the CLI's default: b·K/t*
    const ssni = ssniPurifier(dp, unet.predict, calibration, { rule, bias: 5, extraSteps });
    return ssniDefense(classifier, ssni, { baseLabel: 'DiffPure', surrogateSteps: [3], gradient: 'full' });
  };
  const g = gdmp(unet.predict, schedule, { t: 36, iterations: 2, steps: 12 });
  const gn = gns(unet.predict, schedule, { stages: [30, 50, 100], steps: [2, 2, 4] });
  const featurizer = await loadFeaturizer();
  const phi = (t: tf.Tensor): tf.Tensor => featurizer.apply(t) as tf.Tensor;
  const detector = MmdDetector.load(new Uint8Array(readFileSync(join(dadPath, 'detector.safetensors'))), phi);
  const denoiser = Denoiser.load(new Uint8Array(readFileSync(join(dadPath, 'denoiser.safetensors'))));
  const { x: pool } = toTensors(data, order.slice(order.length - 2000, order.length - 1000));
  const threshold = detector.calibrate(pool, { fpr: 0.01, batchSize: 8, batches: 100, seed: PROTOCOL.seed });
  pool.dispose();
  const dad = dadDefense({ classifier, detector, denoiser, threshold, minBatchSize: 8 });
  return [
    { defense: undefended(classifier), attacks: pgdEot },
    { defense: purifierDefense(classifier, dp, { surrogate: dpSurrogate }), attacks: pgdEot },
    { defense: ssniAround('ssni-l'), attacks: pgdEot },
    { defense: ssniAround('ssni-n'), attacks: pgdEot },
    { defense: purifierDefense(classifier, g, { surrogate: g.with({ guidance: null, steps: [1, 1], gradient: 'full' }) }), attacks: pgdEot },
    { defense: purifierDefense(classifier, gn, { runs: 3, surrogate: gn.with({ steps: [1, 1, 1], gradient: 'full' }) }), attacks: pgdEot },
    { defense: dad.asDefense(), attacks: [dadAdaptiveEvaluationAttack({ steps: 2, eot: 1 })] },
  ];
}

it('the library path and `robustjs eval` give identical per-image outcomes on the demo defenses', async () => {
  const io = captureIo();
  const out = join(dir, 'cli');
  const code = await runCli(['eval', protocolFile(dir, PROTOCOL), '--unet', unetPath, '--dad', dadPath, '--backend', 'wasm', '--quiet', '--out', out], io);
  expect(io.err()).toBe('');
  expect(code).toBe(0);
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as Report;
  const data = await loadFashionMnist({ split: 'test' });
  const rows = permutation(data.shape[0], PROTOCOL.seed).slice(0, PROTOCOL.images);
  const evaluationData = { size: PROTOCOL.images, read: (a: number, b: number) => {
    const { x, y } = toTensors(data, rows.slice(a, b));
    return { x: x as Images, y: y as Labels };
  } };
  const library = await libraryDefenses();
  expect(report.results.map((r) => r.label)).toEqual(library.map((l) => l.defense.label));
  for (const [k, { defense, attacks }] of library.entries()) {
    const result = await evaluateDefense(defense, evaluationData, {
      attacks, threat: { norm: 'linf', eps: 0.1 }, batchSize: 8, seed: PROTOCOL.seed,
    });
    const outcomes = result.results.flatMap((r) => r.samples).map((s) => [s.index, s.clean, s.adversarial]);
    const cli = report.results[k]!.images.map((i) => [i.index, i.clean, i.adversarial]);
    expect(outcomes, defense.label).toEqual(cli);
    defense.dispose();
  }
}, 600_000);
