import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { evaluateDefense, evaluationData, pgdEotAttack, undefended, type EvaluationAttack } from '@robustjs/attacks';
import type { Defense, Images, Labels } from '@robustjs/core';
import { dadAdaptiveEvaluationAttack, dadDefense } from '@robustjs/dad';
import { loadDad } from '@robustjs/dad/node';
import { permutation, toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { diffPure, gdmp, gns, linearSchedule, purifierDefense } from '@robustjs/diffusion';
import { loadUnet } from '@robustjs/diffusion/node';
import { calibrate, ssniDefense, ssniPurifier, timestepPurifier } from '@robustjs/ssni';
import { describeDefense, handmadeEpsilon, handmadePurifier } from '@robustjs/test-utils';
import { loadFeaturizer, referenceClassifier } from '@robustjs/zoo/node';
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
  const { detector, denoiser } = await loadDad(dadPath, { featurizer: await loadFeaturizer() });
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

/** SSNI-N around a purifier written here: a hand-made noise predictor and DDIM sampler, calibrated on 16 images. */
async function handmadeSsni(): Promise<{ defense: Defense; dispose: () => void }> {
  const classifier = await referenceClassifier();
  const schedule = linearSchedule();
  const eps = handmadeEpsilon(schedule);
  const sampler = handmadePurifier(eps.model, schedule, 3);
  const plain = timestepPurifier(sampler.purify, { tStar: 100, T: schedule.T });
  const data = await loadFashionMnist({ split: 'test' });
  const { x: held } = toTensors(data, Array.from({ length: 16 }, (_, i) => 9000 + i));
  const calibration = calibrate(eps.model, schedule, held, { steps: 2, seed: 1 });
  held.dispose();
  const ssni = ssniPurifier(plain, eps.model, calibration, { rule: 'ssni-n', extraSteps: 0, process: schedule });
  const defense = ssniDefense(classifier, ssni, { baseLabel: 'Hand-made DDIM' });
  return { defense, dispose: () => [defense, sampler, eps].forEach((d) => d.dispose()) };
}

const testImages = async (n: number): Promise<{ x: Images; y: Labels }> =>
  toTensors(await loadFashionMnist({ split: 'test' }), Array.from({ length: n }, (_, i) => i)) as { x: Images; y: Labels };

it('SSNI-N around a purifier written here (hand-made noise predictor and sampler) is evaluated by evaluateDefense', async () => {
  const { defense, dispose } = await handmadeSsni();
  const { x, y } = await testImages(6);
  const run = () => evaluateDefense(defense, evaluationData(x, y), {
    attacks: [pgdEotAttack({ steps: 2, eot: 2 })], threat: { norm: 'linf', eps: 0.1 }, batchSize: 3, seed: 4,
  });
  const first = await run();
  const second = await run();
  expect(first.defense.label).toBe('Hand-made DDIM + SSNI-N');
  expect(first.robust.n).toBe(6);
  expect(first.robust.successes).toBeLessThanOrEqual(first.clean.successes);
  const norms = first.results.flatMap((r) => r.info.clean.norms as number[]);
  expect(norms).toHaveLength(6);
  expect(norms.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
  expect(second.results.map((r) => r.samples)).toEqual(first.results.map((r) => r.samples));
  tf.dispose([x, y]);
  dispose();
}, 120_000);

describeDefense('SSNI-N around a hand-made purifier (through the CLI package)', async () => {
  const { defense } = await handmadeSsni();
  return { defense, ...(await testImages(3)) };
});
