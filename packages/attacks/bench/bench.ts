/**
 * Benchmark of @robustjs/attacks: attack-step throughput on the reference CNN of PERF-NOTES.md
 * (conv 32 3×3 → conv 64 3×3 s2 → conv 128 3×3 s2, relu, global average pool, dense 10; 28×28×1, batch 128).
 *
 *   npm run bench -w @robustjs/attacks -- [--n 5] [--quick] [--only <substring>]
 *
 * The backend is whatever `initBackend()` picks (wasm with core's kernel additions and, when built, the native
 * oneDNN kernels; tfjs-node when installed). Per workload: 1 warmup call, then n timed calls of the attack with
 * `steps` iterations, each forced with `await xAdv.data()` and disposed. stdout carries one JSON line per
 * workload: {workload, backend, median_ms (per attack step), images_per_s (per attack step), n}.
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { apgd, pgd } from '../src/index';
import { emit, parseBenchFlags, timeRuns } from '@robustjs/test-utils/bench';
import { makeCnn } from '../../core/bench/models';

console.log = console.error;
console.info = console.error;

const { n, quick, only } = parseBenchFlags(process.argv.slice(2), { n: 5, quickN: 2 });
const batch = quick ? 16 : 128;
const steps = quick ? 2 : 5;

const info = await initBackend();
process.stderr.write(`backend: ${info.name} (${info.tried.map((t) => `${t.name}: ${t.ok ? 'ok' : t.reason}`).join('; ')})\n`);
const cnn = makeCnn(1234);
const model: Classifier = cnn.forward;
const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', 1) as Images;
const y = tf.randomUniform([batch], 0, 10, 'int32', 2) as Labels;

const workloads: Array<{ name: string; run: () => Images }> = [
  { name: `pgd-linf-step-cnn-b${batch}`, run: () => pgd(model, x, y, { steps }) },
  { name: `apgd-ce-step-cnn-b${batch}`, run: () => apgd(model, x, y, { steps }) },
];

for (const w of workloads.filter((v) => only === undefined || v.name.includes(only))) {
  const t = await timeRuns(n, async () => {
    const out = w.run();
    await out.data();
    out.dispose();
    process.stderr.write('.');
  });
  const median = t.median_ms / steps;
  emit({ workload: w.name, backend: tf.getBackend(), median_ms: Number(median.toFixed(2)), images_per_s: Number(((batch * 1000) / median).toFixed(1)), n });
}
tf.dispose([x, y]);
cnn.dispose();
