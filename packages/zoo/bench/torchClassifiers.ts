/**
 * Time per image of the full-size PyTorch classifiers on this machine (random weights: speed does
 * not depend on them), through the same path a checkpoint takes (`importTorchTensors`, then the
 * builder).
 *
 *   nice -n 10 node --conditions=@robustjs/source --import tsx \
 *     packages/zoo/bench/torchClassifiers.ts [--n 3] [--only wrn-28-10] [--batch 1]
 *
 * Workloads, per architecture (`wrn-28-10`, `resnet-50`; `wrn-70-16` only with `--only wrn-70-16`,
 * it takes about 2 GB while it loads):
 * - `<arch>_forward`: logits of `--batch` images (32×32 for the WideResNets, 224×224 for
 *   ResNet-50);
 * - `<arch>_input_grad`: the gradient of the mean cross-entropy with respect to the images (one
 *   PGD step's model work).
 * `s_per_image` is wall time; `cpu_s_per_image` the process's CPU time (user + system). Each line
 * is printed on stdout and merged (by workload, backend and batch) into
 * packages/zoo/bench/torchClassifiers.json.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { importTorchTensors, initBackend } from '@robustjs/core';
import { emit, parseBenchFlags, round1, timeWallAndCpu } from '@robustjs/test-utils/bench';
import { torchClassifierArchitecture } from '../src/index';

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
const out = join(import.meta.dirname, 'torchClassifiers.json');
const rows: Record<string, unknown>[] = [];
const record = (row: Record<string, unknown>): void => {
  const line = { ...row, backend, batch, date: new Date().toISOString().slice(0, 10) };
  emit(line);
  rows.push(line);
};

const perImage = (ms: number): number => Math.round(ms / batch) / 1000;

const ARCHS: readonly [string, number][] = [
  ['wrn-28-10', 32],
  ['resnet-50', 224],
  ['wrn-70-16', 32],
];
for (const [name, size] of ARCHS) {
  const wanted = opts.only === undefined ? name !== 'wrn-70-16' : name.includes(opts.only);
  if (!wanted) continue;
  const arch = torchClassifierArchitecture(name);
  // a random state dict in PyTorch layout; BatchNorm variances positive
  const raw: tf.NamedTensorMap = {};
  arch.params.forEach((p, i) => {
    const fanIn = p.shape.length > 1 ? p.shape.slice(1).reduce((a, b) => a * b, 1) : 0;
    raw[p.name] =
      fanIn > 0
        ? tf.randomNormal([...p.shape], 0, Math.sqrt(2 / fanIn), 'float32', i)
        : p.name.endsWith('running_var') || p.name.endsWith('.weight')
        ? tf.ones([...p.shape])
        : tf.zeros([...p.shape]);
  });
  const weights = importTorchTensors(raw, arch.params, { file: '<random>', architecture: name });
  tf.dispose(raw);
  const f = arch.build(weights);
  tf.dispose(weights);
  const x = tf.randomUniform([batch, size, size, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const k = (f.config as { numClasses: number }).numClasses;
  const y = tf.oneHot(tf.zeros([batch], 'int32') as tf.Tensor1D, k);
  process.stderr.write(
    `[${name}] ${f.parameterCount} parameters, batch ${batch} at ${size}×${size}\n`,
  );
  const fwd = await timeWallAndCpu(opts.n, async () => {
    const logits = f(x);
    await logits.data();
    logits.dispose();
  });
  record({
    workload: `${name}_forward`,
    median_ms: round1(fwd.wall),
    n: opts.n,
    params: f.parameterCount,
    s_per_image: perImage(fwd.wall),
    cpu_s_per_image: perImage(fwd.cpu),
  });
  const grad = tf.grad((xi: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, f(xi as tf.Tensor4D)));
  const bwd = await timeWallAndCpu(opts.n, async () => {
    const g = grad(x);
    await g.data();
    g.dispose();
  });
  record({
    workload: `${name}_input_grad`,
    median_ms: round1(bwd.wall),
    n: opts.n,
    s_per_image: perImage(bwd.wall),
    cpu_s_per_image: perImage(bwd.cpu),
  });
  tf.dispose([x, y]);
  f.dispose();
}

type Row = Record<string, unknown>;
const previous = existsSync(out)
  ? (JSON.parse(readFileSync(out, 'utf8')) as { workloads: Row[] }).workloads
  : [];
const key = (r: Row): string => `${r.workload}|${r.backend}|${r.batch}`;
const fresh = new Set(rows.map(key));
writeFileSync(
  out,
  `${JSON.stringify(
    {
      about:
        'Time per image of the full-size PyTorch classifiers (random weights), 2 shared vCPUs; ' +
        'see torchClassifiers.ts.',
      command:
        'nice -n 10 node --conditions=@robustjs/source --import tsx ' +
        'packages/zoo/bench/torchClassifiers.ts',
      workloads: [...previous.filter((r) => !fresh.has(key(r))), ...rows],
    },
    null,
    1,
  )}\n`,
);
