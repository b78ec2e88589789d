/**
 * Time per image of the paper-scale CIFAR-10 diffusion models on this machine (random weights:
 * speed does not depend on them).
 *
 *   nice -n 10 node --conditions=@robustjs/source --import tsx \
 *     packages/diffusion/bench/cifar10.ts [--n 3] [--only unet2d] [--batch 1]
 *
 * Workloads (google/ddpm-cifar10-32's config, test/fixtures/unet2d/ddpm-cifar10-32.config.json,
 * 35,746,307 parameters, 32×32×3):
 * - `unet2d_forward`: one `predict` of the diffusers UNet2DModel on `--batch` images.
 * - `unet2d_diffpure_t100_k100`: DiffPure (DDPM, η = 1, t* = 100, K = 100) on `--batch` images.
 * `s_per_image` is wall time; `cpu_s_per_image` the process's CPU time (user + system), which a
 * shared, loaded machine inflates less. Each line is printed on stdout and merged (by workload,
 * backend and batch) into packages/diffusion/bench/cifar10.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { emit, parseBenchFlags, round1, timeWallAndCpu } from '@robustjs/test-utils/bench';
import { diffPure, diffusersUnetParams, linearSchedule, unet2DModel } from '../src/index';

console.log = console.error;
console.info = console.error;
console.warn = console.error;

const opts = parseBenchFlags(process.argv.slice(2), {
  n: 3,
  values: { batch: { type: 'int', default: 1, min: 1 } },
});
const batch = opts.values.batch as number;
const info = await initBackend();
const native = info.tried.some((a) => a.name === 'native' && a.ok);
const backend = native ? `${info.name}+native` : info.name;
const want = (w: string): boolean => opts.only === undefined || w.includes(opts.only);
const here = import.meta.dirname;
const out = join(here, 'cifar10.json');
const rows: Record<string, unknown>[] = [];
const record = (row: Record<string, unknown>): void => {
  const line = { ...row, backend, batch, date: new Date().toISOString().slice(0, 10) };
  emit(line);
  rows.push(line);
};

const configPath = join(here, '../test/fixtures/unet2d/ddpm-cifar10-32.config.json');
const config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
// random weights in tfjs layout, seeded; GroupNorm scales one and shifts zero
const weights: tf.NamedTensorMap = {};
diffusersUnetParams(config).forEach((p, i) => {
  const s = p.shape;
  const shape =
    s.length === 4 ? [s[2]!, s[3]!, s[1]!, s[0]!] : s.length === 2 ? [s[1]!, s[0]!] : [...s];
  const fanIn = s.length === 4 ? s[1]! * s[2]! * s[3]! : s.length === 2 ? s[1]! : 0;
  weights[p.name] =
    fanIn > 0 ? tf.randomNormal(shape, 0, Math.sqrt(1 / fanIn), 'float32', i)
    : p.name.endsWith('.weight') ? tf.ones(shape) : tf.zeros(shape);
});
const unet = unet2DModel(config, weights);
const x01 = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
const xt = tf.tidy(() => tf.sub(tf.mul(x01, 2), 1)) as tf.Tensor4D;
const t = tf.fill([batch], 100, 'int32') as tf.Tensor1D;

const perImage = (ms: number): number => Math.round(ms / batch) / 1000;

if (want('unet2d_forward')) {
  process.stderr.write(`[unet2d_forward] batch ${batch}\n`);
  const r = await timeWallAndCpu(opts.n, async () => {
    const y = unet.predict(xt, t);
    await y.data();
    y.dispose();
  });
  record({ workload: 'unet2d_forward', median_ms: round1(r.wall), n: opts.n,
    params: unet.paramCount,
    s_per_image: perImage(r.wall), cpu_s_per_image: perImage(r.cpu) });
}
if (want('unet2d_diffpure')) {
  process.stderr.write(`[unet2d_diffpure_t100_k100] batch ${batch} (one run, no warm-up)\n`);
  const p = diffPure(unet.predict, linearSchedule(), { t: 100, steps: 100 });
  const r = await timeWallAndCpu(1, async () => {
    const y = p(x01, undefined, { seed: 1 });
    await y.data();
    y.dispose();
  }, false);
  record({ workload: 'unet2d_diffpure_t100_k100', median_ms: round1(r.wall), n: 1, forwards: 100,
    s_per_image: perImage(r.wall), cpu_s_per_image: perImage(r.cpu) });
}

// merge into the JSON record: replace rows of the same workload, backend and batch
type Row = Record<string, unknown>;
const previous = existsSync(out)
  ? (JSON.parse(readFileSync(out, 'utf8')) as { workloads: Row[] }).workloads
  : [];
const key = (r: Row): string => `${r.workload}|${r.backend}|${r.batch}`;
const fresh = new Set(rows.map(key));
writeFileSync(out, `${JSON.stringify({
  about: 'Time per image of the CIFAR-10 diffusion models (random weights), 2 shared vCPUs; ' +
    'see cifar10.ts.',
  command: 'nice -n 10 node --conditions=@robustjs/source --import tsx ' +
    'packages/diffusion/bench/cifar10.ts',
  workloads: [...previous.filter((r) => !fresh.has(key(r))), ...rows],
}, null, 1)}\n`);
unet.dispose();
tf.dispose([x01, xt, t]);
