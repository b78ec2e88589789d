/**
 * Evaluates the shipped DAD defense (packages/zoo/models/dad) on the Fashion-MNIST test split and prints one JSON
 * object on stdout (progress on stderr). Run from the repository root:
 *
 *   npm run evaluate -w @robustjs/dad -- [--batches 50] [--robust 500] [--steps 20] [--eot 4] [--l2] [--skip-clean]
 *
 * - detection: the first `batches` test batches of 100, clean and their MMA examples (the training settings:
 *   l_inf eps 0.1, step 0.025, 10 steps, k = 3): fraction of batches flagged (targets ≥ 99 % and ≤ 5 %);
 * - clean accuracy: the whole test set in batches of 100, undefended classifier and DAD;
 * - robust accuracy: the first `robust` test images, DAD's adaptive PGD+EOT with both loss signs and the
 *   threshold-aware evasion (l_inf eps 0.1, `steps` steps, step 2.5·eps/steps, EOT `eot`), worst case per sample;
 *   `--l2` adds the same three at l_2 eps 1.5.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { initBackend, type Images, type Labels } from '@robustjs/core';
import { toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { evaluateDad, type DadAttackSpec } from '../src/index';
import { MMA_SETTINGS, backendLabel, loadShippedDad, mmaInChunks } from './common';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '50' },
    robust: { type: 'string', default: '500' },
    steps: { type: 'string', default: '20' },
    eot: { type: 'string', default: '4' },
    l2: { type: 'boolean', default: false },
    'skip-clean': { type: 'boolean', default: false },
  },
  strict: true,
});
const log = (s: string): void => { process.stderr.write(`${s}\n`); };
const backend = await initBackend();
const { defense, classifier, manifest, dispose } = await loadShippedDad();
const test = await loadFashionMnist({ split: 'test' });
const batchSize = 100;
const out: Record<string, unknown> = { backend: backendLabel(backend), threshold: manifest.threshold, model: manifest.command };

// Detection.
const nBatches = Number(values.batches);
if (nBatches > 0) {
  const start = performance.now();
  let cleanFlagged = 0;
  let advFlagged = 0;
  const cleanStats: number[] = [];
  const advStats: number[] = [];
  for (let b = 0; b < nBatches; b++) {
    const { x, y } = toTensors(test, Array.from({ length: batchSize }, (_, i) => b * batchSize + i));
    const adv = await mmaInChunks(classifier, x, y, 7_000_000 + b * batchSize, batchSize);
    const rc = defense.route(x);
    const ra = defense.route(adv);
    cleanStats.push(rc.statistic);
    advStats.push(ra.statistic);
    if (rc.flagged) cleanFlagged++;
    if (ra.flagged) advFlagged++;
    tf.dispose([x, y, adv]);
    log(`detection batch ${b + 1}/${nBatches}: clean m ${rc.statistic.toFixed(4)} ${rc.flagged ? 'FLAGGED' : 'ok'}, MMA m ${ra.statistic.toFixed(4)} ${ra.flagged ? 'flagged' : 'MISSED'}`);
  }
  const sorted = (v: number[]): number[] => [...v].sort((a, b) => a - b);
  out['detection'] = {
    batches: nBatches, batchSize, attack: { name: 'mma', norm: 'linf', ...MMA_SETTINGS },
    mmaFlaggedRate: advFlagged / nBatches, cleanFlaggedRate: cleanFlagged / nBatches,
    cleanStatistic: { min: sorted(cleanStats)[0], max: sorted(cleanStats).at(-1) },
    mmaStatistic: { min: sorted(advStats)[0], max: sorted(advStats).at(-1) },
    seconds: Math.round((performance.now() - start) / 100) / 10,
  };
}

// Clean accuracy on the full test set.
if (values['skip-clean'] !== true) {
  const start = performance.now();
  const n = test.labels.length;
  let plain = 0;
  let dad = 0;
  let flagged = 0;
  for (let b = 0; b < n / batchSize; b++) {
    const { x, y } = toTensors(test, Array.from({ length: batchSize }, (_, i) => b * batchSize + i));
    const route = defense.route(x);
    if (route.flagged) flagged++;
    const [p, d] = tf.tidy(() => [classifier(x), defense(x, b + 1)].map((l) => tf.sum(tf.cast(tf.equal(tf.argMax(l, 1), y), 'int32')).dataSync()[0] as number));
    plain += p as number;
    dad += d as number;
    tf.dispose([x, y]);
  }
  out['clean'] = { images: n, batchSize, classifierAccuracy: plain / n, dadAccuracy: dad / n, differencePoints: Math.round(((dad - plain) / n) * 1e4) / 100, flaggedBatches: flagged, seconds: Math.round((performance.now() - start) / 100) / 10 };
  log(JSON.stringify(out['clean']));
}

// Robust accuracy under the adaptive attacks.
const nRobust = Number(values.robust);
if (nRobust > 0) {
  const steps = Number(values.steps);
  const eotSamples = Number(values.eot);
  const attacks: DadAttackSpec[] = [
    { name: 'pgd-eot-linf-detect', options: { objective: 'detect', norm: 'linf', eps: 0.1, steps, eot: eotSamples } },
    { name: 'pgd-eot-linf-evade', options: { objective: 'evade', norm: 'linf', eps: 0.1, steps, eot: eotSamples } },
    { name: 'pgd-eot-linf-threshold', options: { objective: 'threshold', norm: 'linf', eps: 0.1, steps, eot: eotSamples } },
  ];
  const { x, y } = toTensors(test, Array.from({ length: nRobust }, (_, i) => i)) as { x: Images; y: Labels };
  const start = performance.now();
  const report = await evaluateDad(defense, { x, y }, attacks, { onBatch: (d, t) => log(`robust l_inf: batch ${d}/${t} (${((performance.now() - start) / 1000).toFixed(0)} s)`) });
  out['robustLinf'] = { ...report, secondsTotal: Math.round((performance.now() - start) / 100) / 10 };
  log(JSON.stringify(out['robustLinf']));
  if (values.l2 === true) {
    const l2: DadAttackSpec[] = [
      { name: 'pgd-eot-l2-detect', options: { objective: 'detect', norm: 'l2', eps: 1.5, steps, eot: eotSamples } },
      { name: 'pgd-eot-l2-evade', options: { objective: 'evade', norm: 'l2', eps: 1.5, steps, eot: eotSamples } },
      { name: 'pgd-eot-l2-threshold', options: { objective: 'threshold', norm: 'l2', eps: 1.5, steps, eot: eotSamples } },
    ];
    const s2 = performance.now();
    const r2 = await evaluateDad(defense, { x, y }, l2, { onBatch: (d, t) => log(`robust l_2: batch ${d}/${t}`) });
    out['robustL2'] = { ...r2, secondsTotal: Math.round((performance.now() - s2) / 100) / 10 };
  }
  tf.dispose([x, y]);
}
dispose();
process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
