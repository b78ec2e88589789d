/**
 * Benchmark of @robustjs/mmd.
 *
 *   npm run bench -w @robustjs/mmd -- [--n 5] [--quick] [--only <substring>] [--stock]
 *
 * Workloads (sample sizes as in the package's acceptance criteria):
 * - `mmd2u-grad`: MMD²_u of the deep kernel (linear featurizer 64 → 64, φ trained) at 1024 vs 1024 samples,
 *   d = 64, plus its gradient with respect to (s0, s, ε_raw) and φ's weights (the MMD-OPT step's core).
 * - `testPower-grad`: the same for J = MMD²_u / sqrt(σ²_H1 + λ).
 * - `permutation-test`: 100 permutations of a pooled kernel matrix at 500 vs 500 samples (the matrix is given).
 * - `pooled-kernel+permutation-test`: the same including the pooled Gaussian kernel matrix (d = 64).
 * - `blockwise-mmd`: `blockwiseMmd` at 10,000 vs 10,000 samples, d = 64, b = 1024, with `peak_bytes`
 *   (tf.profile's peak tensor memory) next to `full_matrix_bytes` (one n×n float32 matrix).
 *
 * Every line: `{workload, backend, median_ms, min_ms, n, samples, dim}`, where `n` is the number of timed runs
 * (as in @robustjs/core's bench) and `samples` the per-set sample size. 1 warm-up run, then n timed runs
 * (2 for blockwise-mmd), each forced to completion and fully disposed. `backend` is `wasm` (with
 * @robustjs/core's kernel additions); `--stock` adds `wasm-stock` runs of the gradient workloads.
 * stdout carries only JSON lines; progress goes to stderr.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels, unregisterWasmKernels } from '@robustjs/core';
import { DeepKernel, blockwiseMmd, createGaussianKernel, kernelMatrices, medianSqDist, permutationTest, pooledKernelMatrix } from '@robustjs/mmd';
import { kernelMatricesImpl } from '../src/kernelMatrices';
import { mmd2UnbiasedImpl } from '../src/mmd2';
import { testPowerImpl } from '../src/testPower';
import { emit, parseBenchFlags, timeRuns, type BenchFlags } from '@robustjs/test-utils/bench';

console.log = console.error;
console.info = console.error;
console.warn = console.error;


async function gradientWorkloads(opts: BenchFlags, backend: string): Promise<void> {
  const samples = opts.quick ? 128 : 1024;
  const dim = 64;
  const x = tf.randomNormal([samples, dim], 0, 1, 'float32', 1);
  const y = tf.randomNormal([samples, dim], 0.1, 1, 'float32', 2);
  const phi = tf.sequential({ layers: [tf.layers.dense({ inputShape: [dim], units: 64, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) })] });
  const kernel = DeepKernel.fromData(x, y, { featurizer: phi });
  const vars = kernel.trainableVariables(true);
  const objectives: Record<string, () => tf.Scalar> = {
    'mmd2u-grad': () => {
      const { kxx, kyy, kxy } = kernelMatricesImpl(kernel, kernel.embed(x), kernel.embed(y));
      return mmd2UnbiasedImpl(kxx, kyy, kxy);
    },
    'testPower-grad': () => {
      const { kxx, kyy, kxy } = kernelMatricesImpl(kernel, kernel.embed(x), kernel.embed(y));
      return testPowerImpl(kxx, kyy, kxy, 1e-8).j;
    },
  };
  for (const [workload, f] of Object.entries(objectives)) {
    if (opts.only !== undefined && !workload.includes(opts.only)) continue;
    process.stderr.write(`[${workload}] ${backend}, ${samples} vs ${samples}, d = ${dim}\n`);
    const before = tf.memory().numTensors;
    const t = await timeRuns(opts.n, async () => {
      const { value, grads } = tf.variableGrads(f, vars);
      await Promise.all([value, ...Object.values(grads)].map((g) => g.data()));
      tf.dispose([value, ...Object.values(grads)]);
    });
    const leaked = tf.memory().numTensors - before;
    emit({ workload, backend, ...t, n: opts.n, samples, dim, ...(leaked ? { leaked } : {}) });
  }
  kernel.dispose();
  phi.dispose();
  tf.dispose([x, y]);
}

async function permutationWorkloads(opts: BenchFlags): Promise<void> {
  const samples = opts.quick ? 100 : 500;
  const dim = 64;
  const x = tf.randomNormal([samples, dim], 0, 1, 'float32', 4) as tf.Tensor2D;
  const y = tf.randomNormal([samples, dim], 0, 1, 'float32', 5) as tf.Tensor2D;
  const kernel = createGaussianKernel(medianSqDist(x, y));
  const k = pooledKernelMatrix(kernel, x, y);
  if (opts.only === undefined || 'permutation-test'.includes(opts.only)) {
    process.stderr.write(`[permutation-test] ${samples} vs ${samples}, 100 permutations\n`);
    emit({ workload: 'permutation-test', backend: 'wasm', ...(await timeRuns(opts.n, () => void permutationTest(k, samples, { permutations: 100, seed: 1 }))), n: opts.n, samples, dim, permutations: 100 });
  }
  if (opts.only === undefined || 'pooled-kernel+permutation-test'.includes(opts.only)) {
    const t = await timeRuns(opts.n, () => {
      const kk = pooledKernelMatrix(kernel, x, y);
      permutationTest(kk, samples, { permutations: 100, seed: 1 });
      kk.dispose();
    });
    emit({ workload: 'pooled-kernel+permutation-test', backend: 'wasm', ...t, n: opts.n, samples, dim, permutations: 100 });
  }
  tf.dispose([x, y, k]);
}

async function blockwiseWorkload(opts: BenchFlags): Promise<void> {
  if (opts.only !== undefined && !'blockwise-mmd'.includes(opts.only)) return;
  const samples = opts.quick ? 2000 : 10_000;
  const dim = 64;
  const blockSize = opts.quick ? 256 : 1024;
  const x = tf.randomNormal([samples, dim], 0, 1, 'float32', 6);
  const y = tf.randomNormal([samples, dim], 0.05, 1, 'float32', 7);
  const kernel = createGaussianKernel(2 * dim);
  process.stderr.write(`[blockwise-mmd] ${samples} vs ${samples}, d = ${dim}, b = ${blockSize}\n`);
  let result = {};
  const profile = await tf.profile(() => {
    result = blockwiseMmd(kernel, x, y, { blockSize });
    return [];
  });
  const runs = Math.min(opts.n, 2);
  const t = await timeRuns(runs, () => void blockwiseMmd(kernel, x, y, { blockSize }));
  const check: Record<string, unknown> = {};
  if (opts.quick) { // the direct path fits at this size: report the agreement
    const { kxx, kyy, kxy } = kernelMatrices(kernel, x, y);
    const direct = tf.tidy(() => mmd2UnbiasedImpl(kxx, kyy, kxy));
    check['direct_mmd2_unbiased'] = direct.dataSync()[0];
    tf.dispose([kxx, kyy, kxy, direct]);
  }
  emit({
    workload: 'blockwise-mmd', backend: 'wasm', ...t, n: runs, samples, dim, block_size: blockSize,
    peak_bytes: profile.peakBytes, input_bytes: 2 * samples * dim * 4, full_matrix_bytes: samples * samples * 4, result, ...check,
  });
  tf.dispose([x, y]);
}

const opts = parseBenchFlags(process.argv.slice(2), { n: 5 }, ['stock']);
await tf.setBackend('wasm');
await tf.ready();
registerWasmKernels();
await gradientWorkloads(opts, 'wasm');
if (opts.flags.stock) {
  unregisterWasmKernels();
  await gradientWorkloads(opts, 'wasm-stock');
  registerWasmKernels();
}
await permutationWorkloads(opts);
await blockwiseWorkload(opts);
