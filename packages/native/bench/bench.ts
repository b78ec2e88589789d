/**
 * Benchmark of @robustjs/native against @robustjs/core's wasm kernel additions on reference workloads.
 *
 *   npm run bench -w @robustjs/native -- [--n 5] [--quick] [--only <substring>] [--out file.jsonl]
 *                                         [--threads k] [--rss-calls 1000] [--no-rss] [--no-cpu] [--cpu-n 2]
 *
 * Columns: `wasm` (tfjs wasm + core's registerWasmKernels), `native-wasm` (the same plus
 * registerNativeKernels('wasm')), `native-cpu` (tfjs cpu + registerNativeKernels('cpu')). `wasm` and
 * `native-wasm` share model and data and their runs alternate (the kernels are toggled between runs), so
 * load drift falls on both alike; `native-cpu` runs its own group. Per (workload, column): 2 warmups, then
 * n timed runs forced with `await t.data()` (native-cpu: 1 warmup and `--cpu-n`, default 2, runs: the
 * pure-JS ops around the kernels are slow); stdout gets one JSON line {workload, backend, median_ms,
 * min_ms, n, batch, gflop, gflop_per_s, cpu_util, others_cpu}, where cpu_util is process CPU time / wall
 * time over the timed runs (about 2 when both cores are busy) and others_cpu the cores other processes
 * kept busy meanwhile (from /proc/stat; the machine is shared, > 0.2 means the figures are contended). Then `rss_*` lines: process RSS before and after
 * `--rss-calls` repeated native kernel calls. stdout carries only JSON lines; progress goes to stderr.
 *
 * Workloads (see /work/shared/PERF-NOTES.md; the models are packages/core/bench/models.ts):
 *   cnn_input_grad   one PGD step of the reference CNN, batch 128
 *   unet_forward     UNet forward, batch 64
 *   unet_train_step  one Adam step on every UNet parameter (mean squared output as the loss), batch 64
 *   groupnorm_silu_forward  GroupNorm (8 groups) + SiLU forward on [16,28,28,32] (the UNet's first one)
 *   concat_split     concat of two [8,28,28,64] along the channels, then a split into 32 + 96 channels
 *   broadcast_add_sum  [8,28,28,32] + a bias [32], and the sum of [8,14,2,14,2,64] over axes 2 and 4
 *   mmd_n1024        unbiased MMD² (Gaussian kernel) between two samples of 1024 through a linear
 *                    128→128 featurizer, plus its gradient wrt the featurizer weights
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gaussianGram, groupNorm, registerWasmKernels } from '@robustjs/core';
import { loadNative, registerNativeKernels, unregisterNativeKernels, nativeKernelStats } from '../src/index';
import { jsonLines, median, parseBenchFlags, round1 } from '@robustjs/test-utils/bench';
import { makeCnn, makeUnet, type Model } from '../../core/bench/models';

console.log = console.error;
console.info = console.error;
console.debug = console.error;

const WARMUP = 2;
const SEED = 1234;
const PGD_STEP = 2 / 255;

interface Options {
  n: number;
  quick: boolean;
  only: string | undefined;
  out: string | undefined;
  threads: number | undefined;
  rssCalls: number;
  cpuN: number;
  cpu: boolean;
}

function parseArgs(argv: readonly string[]): Options {
  const f = parseBenchFlags(argv, {
    n: 5, quickN: 2,
    values: { out: { type: 'string' }, threads: { type: 'int', min: 1 }, 'rss-calls': { type: 'int', default: 1000 }, 'cpu-n': { type: 'int', default: 2, min: 1 } },
  }, ['no-rss', 'no-cpu']);
  return {
    n: f.n, quick: f.quick, only: f.only, out: f.values['out'] as string | undefined, threads: f.values['threads'] as number | undefined,
    rssCalls: f.flags['no-rss'] ? 0 : (f.values['rss-calls'] as number), cpuN: f.values['cpu-n'] as number, cpu: !f.flags['no-cpu'],
  };
}

// ---------------------------------------------------------------------------------------------------------
// Workloads

interface Prepared {
  run(): tf.Tensor;
  dispose(): void;
}

interface Workload {
  readonly name: string;
  readonly batch: (quick: boolean) => number;
  readonly setup: (batch: number) => { prepared: Prepared; flops: number };
}

function disposer(model: Model<unknown>, ...tensors: tf.Tensor[]): () => void {
  return () => {
    model.dispose();
    tf.dispose(tensors);
  };
}

/** Unbiased MMD² with a Gaussian kernel k(a,b) = exp(-|a-b|²/(2σ²)) on features fx, fy (both [n,d]). */
function mmd2Unbiased(fx: tf.Tensor2D, fy: tf.Tensor2D, sigma2: number): tf.Scalar {
  const n = fx.shape[0];
  const sq = (a: tf.Tensor2D) => tf.sum(tf.square(a), 1) as tf.Tensor1D; // [n]
  // exp(−max(‖a‖² + ‖b‖² − 2a·bᵀ, 0)/(2σ²)): core's gaussianGram (one fused pass with the native kernels, tfjs ops
  // otherwise), the same formula as the PyTorch peer's
  const kernel = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => gaussianGram(tf.matMul(a, b, false, true), sq(a), sq(b), 2 * sigma2);
  const off = n * (n - 1);
  // k(a,a) = 1 on the diagonal: subtract n from each within-sample sum.
  const xx = tf.div(tf.sub(tf.sum(kernel(fx, fx)), n), off);
  const yy = tf.div(tf.sub(tf.sum(kernel(fy, fy)), n), off);
  const xy = tf.mean(kernel(fx, fy));
  return tf.sub(tf.add(xx, yy), tf.mul(2, xy)) as tf.Scalar;
}

const WORKLOADS: readonly Workload[] = [
  {
    name: 'cnn_input_grad',
    batch: (q) => (q ? 16 : 128),
    setup(batch) {
      const model = makeCnn(SEED);
      const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', SEED + 1) as tf.Tensor4D;
      const labels = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', SEED + 2) as tf.Tensor1D, 10).toFloat());
      const grad = tf.grad((xx: tf.Tensor) => tf.losses.softmaxCrossEntropy(labels, model.forward(xx as tf.Tensor4D)));
      return {
        flops: model.flops.inputGrad * batch,
        prepared: {
          run: () => tf.tidy(() => tf.clipByValue(tf.add(x, tf.mul(tf.sign(grad(x)), PGD_STEP)), 0, 1)),
          dispose: disposer(model, x, labels),
        },
      };
    },
  },
  {
    name: 'unet_forward',
    batch: (q) => (q ? 4 : 64),
    setup(batch) {
      const model = makeUnet(SEED);
      const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', SEED + 3) as tf.Tensor4D;
      const t = tf.tidy(() => tf.floor(tf.randomUniform([batch], 0, 1000, 'float32', SEED + 4))) as tf.Tensor1D;
      return {
        flops: model.flops.forward * batch,
        prepared: { run: () => tf.tidy(() => model.forward(x, t)), dispose: disposer(model, x, t) },
      };
    },
  },
  {
    name: 'unet_train_step',
    batch: (q) => (q ? 4 : 64),
    setup(batch) {
      const model = makeUnet(SEED);
      const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', SEED + 3) as tf.Tensor4D;
      const t = tf.tidy(() => tf.floor(tf.randomUniform([batch], 0, 1000, 'float32', SEED + 4))) as tf.Tensor1D;
      const target = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', SEED + 5) as tf.Tensor4D;
      const optimizer = tf.train.adam(1e-4);
      const loss = (): tf.Scalar => tf.mean(tf.square(tf.sub(model.forward(x, t), target)));
      const dispose = disposer(model, x, t, target);
      return {
        flops: model.flops.train * batch,
        prepared: {
          run: () =>
            tf.tidy(() => {
              const cost = optimizer.minimize(loss, true, model.params);
              if (cost === null) throw new Error('optimizer.minimize returned no cost');
              return cost;
            }),
          dispose: () => {
            optimizer.dispose();
            dispose();
          },
        },
      };
    },
  },
  {
    // the UNet's first GroupNorm + SiLU: until 2026-12 the SiLU forward ran 3× slower than its gradient
    // (a denormal constant in a discarded vector lane: a microcode assist per multiply; now flushed)
    name: 'groupnorm_silu_forward',
    batch: (q) => (q ? 4 : 16),
    setup(batch) {
      const c = 32;
      const x = tf.randomNormal([batch, 28, 28, c], 0, 1, 'float32', SEED + 9) as tf.Tensor4D;
      const gamma = tf.randomNormal([c], 1, 0.1, 'float32', SEED + 10) as tf.Tensor1D;
      const beta = tf.randomNormal([c], 0, 0.1, 'float32', SEED + 11) as tf.Tensor1D;
      return {
        flops: 12 * batch * 28 * 28 * c,
        prepared: {
          run: () => groupNorm(x, gamma, beta, 8, { activation: 'silu' }),
          dispose: () => tf.dispose([x, gamma, beta]),
        },
      };
    },
  },
  {
    // the UNet's widest skip connection and its gradient: tfjs's Concat copies one row at a time from JavaScript
    // and its SplitV is one Slice per part (27 ms for this split on wasm); native: one copying pass each
    name: 'concat_split',
    batch: (q) => (q ? 2 : 8),
    setup(batch) {
      const a = tf.randomNormal([batch, 28, 28, 64], 0, 1, 'float32', SEED + 12) as tf.Tensor4D;
      const b = tf.randomNormal([batch, 28, 28, 64], 0, 1, 'float32', SEED + 13) as tf.Tensor4D;
      return {
        flops: 0,
        prepared: {
          run: () => tf.tidy(() => tf.addN(tf.split(tf.concat([a, b], 3), [32, 96], 3).map((t) => tf.sum(t)))),
          dispose: () => tf.dispose([a, b]),
        },
      };
    },
  },
  {
    // the UNet's bias additions under a gradient tape ([8,28,28,32] + [32], 7 per pass at the top level) and the
    // gradient of its ×2 upsampling (a Sum over axes 2 and 4): tfjs's wasm walks broadcasts index by index and
    // transposes before a strided Sum; native: one pass each, bit for bit the same
    name: 'broadcast_add_sum',
    batch: (q) => (q ? 2 : 8),
    setup(batch) {
      const x = tf.randomNormal([batch, 28, 28, 32], 0, 1, 'float32', SEED + 14) as tf.Tensor4D;
      const bias = tf.randomNormal([32], 0, 1, 'float32', SEED + 15) as tf.Tensor1D;
      const up = tf.randomNormal([batch, 14, 2, 14, 2, 64], 0, 1, 'float32', SEED + 16);
      return {
        flops: 0,
        prepared: {
          run: () =>
            tf.tidy(() => {
              tf.sum(up, [2, 4]); // computed eagerly, disposed by the tidy
              return tf.add(x, bias);
            }),
          dispose: () => tf.dispose([x, bias, up]),
        },
      };
    },
  },
  {
    name: 'mmd_n1024',
    batch: (q) => (q ? 256 : 1024),
    setup(n) {
      const d = 128;
      const x = tf.randomNormal([n, d], 0, 1, 'float32', SEED + 6) as tf.Tensor2D;
      const y = tf.randomNormal([n, d], 0.1, 1, 'float32', SEED + 7) as tf.Tensor2D;
      const w = tf.variable(tf.randomNormal([d, d], 0, Math.sqrt(2 / d), 'float32', SEED + 8)) as tf.Variable<tf.Rank.R2>;
      const sigma2 = 2 * d;
      const f = (ww: tf.Tensor) => mmd2Unbiased(tf.matMul(x, ww as tf.Tensor2D), tf.matMul(y, ww as tf.Tensor2D), sigma2);
      const vg = tf.valueAndGrad(f);
      // featurizer 2·2nd², three n×n kernel matrices 3·2n²d; the backward pass about twice that.
      const flops = 3 * (2 * 2 * n * d * d + 3 * 2 * n * n * d);
      return {
        flops,
        prepared: {
          run: () =>
            tf.tidy(() => {
              const { value, grad } = vg(w);
              return tf.add(value, tf.sum(grad));
            }),
          dispose: () => tf.dispose([x, y, w]),
        },
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Columns

type Column = 'wasm' | 'native-wasm' | 'native-cpu';

async function activate(c: Column, opts: Options): Promise<void> {
  const backend = c === 'native-cpu' ? 'cpu' : 'wasm';
  if (c === 'wasm') unregisterNativeKernels('wasm');
  else {
    const r = registerNativeKernels(backend, opts.threads === undefined ? {} : { threads: opts.threads });
    if (!r.ok) throw new Error(r.reason);
  }
  if (tf.getBackend() !== backend) {
    if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') failed`);
    await tf.ready();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Measurement

interface Line {
  workload: string;
  backend: Column;
  median_ms: number | null;
  min_ms: number | null;
  n: number;
  batch: number;
  gflop?: number;
  gflop_per_s?: number;
  cpu_util?: number;
  others_cpu?: number;
  error?: string;
  leaked?: number;
}

/** Busy CPU time of the whole machine so far, in ms (Linux /proc/stat; 0 elsewhere). */
function machineBusyMs(): number {
  try {
    const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ = 100
  } catch {
    return 0;
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split('\n')[0] ?? m).trim();
}

async function measureGroup(w: Workload, columns: readonly Column[], opts: Options): Promise<Line[]> {
  const batch = w.batch(opts.quick);
  const n = columns.includes('native-cpu') ? Math.min(opts.n, opts.cpuN) : opts.n;
  const warmup = columns.includes('native-cpu') ? 1 : WARMUP;
  const states = columns.map((c) => ({
    column: c,
    line: { workload: w.name, backend: c, median_ms: null, min_ms: null, n, batch } as Line,
    times: [] as number[],
    cpu: 0,
    wall: 0,
    machine: 0,
    leaked: 0,
    first: true,
  }));
  await activate(columns[0]!, opts);
  const { prepared, flops } = w.setup(batch);
  for (let round = 0; round < warmup + n; round++) {
    for (const s of states) {
      if (s.line.error !== undefined) continue;
      await activate(s.column, opts);
      const n0 = tf.memory().numTensors;
      try {
        const c0 = process.cpuUsage();
        const m0 = machineBusyMs();
        const t0 = performance.now();
        const out = prepared.run();
        await out.data();
        const ms = performance.now() - t0;
        const c = process.cpuUsage(c0);
        const machine = machineBusyMs() - m0;
        out.dispose();
        if (round >= warmup) {
          s.times.push(ms);
          s.cpu += (c.user + c.system) / 1000;
          s.machine += machine;
          s.wall += ms;
        }
        if (!s.first) s.leaked += tf.memory().numTensors - n0;
        s.first = false;
      } catch (e) {
        s.line.error = firstLine(e);
      }
    }
  }
  prepared.dispose();
  return states.map((s) => {
    const { line } = s;
    if (line.error === undefined && s.times.length > 0) {
      line.median_ms = round1(median(s.times));
      line.min_ms = round1(Math.min(...s.times));
      if (flops > 0) {
        // a copy (concat_split) does no arithmetic: no FLOP figures
        line.gflop = round3(flops / 1e9);
        line.gflop_per_s = round1(flops / 1e9 / (line.median_ms / 1000));
      }
      line.cpu_util = Math.round((s.cpu / s.wall) * 100) / 100;
      // Cores kept busy by other processes meanwhile (the machine is shared: > 0.2 means contended).
      line.others_cpu = Math.max(0, Math.round(((s.machine - s.cpu) / s.wall) * 100) / 100);
    }
    if (s.leaked !== 0) line.leaked = s.leaked;
    process.stderr.write(`  ${s.column}: ${line.error ?? `runs ${s.times.map((t) => t.toFixed(0)).join(', ')} ms, cpu ${line.cpu_util}, others ${line.others_cpu}`}\n`);
    return line;
  });
}

/**
 * RSS growth over `calls` repeated steps of native kernel calls: conv forward + both gradients, a matmul, core's
 * groupNorm (SiLU) forward + gradient and gaussianGram forward + gradient (8 native calls per step).
 */
async function rss(column: Exclude<Column, 'wasm'>, calls: number, opts: Options): Promise<object> {
  await activate(column, opts);
  const x = tf.randomNormal([16, 28, 28, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
  const wt = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 2) as tf.Tensor4D;
  const a = tf.randomNormal([256, 128], 0, 1, 'float32', 3) as tf.Tensor2D;
  const gamma = tf.ones([16]) as tf.Tensor1D;
  const beta = tf.zeros([16]) as tf.Tensor1D;
  const gradFn = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same')));
  const gnGrad = tf.grad((xx: tf.Tensor) => tf.sum(groupNorm(xx as tf.Tensor4D, gamma, beta, 8, { activation: 'silu' })));
  const kGrad = tf.grad((aa: tf.Tensor) => {
    const sq = tf.sum(tf.square(aa), 1) as tf.Tensor1D;
    return tf.sum(gaussianGram(tf.matMul(aa as tf.Tensor2D, aa as tf.Tensor2D, false, true), sq, sq, 256));
  });
  const step = () =>
    tf.tidy(() => {
      const [gx, gw] = gradFn([x, wt]);
      const m = tf.matMul(a, a, false, true);
      return tf.addN([gx!.sum(), gw!.sum(), m.sum(), gnGrad(x).sum(), kGrad(a).sum()]).dataSync()[0];
    });
  for (let i = 0; i < 20; i++) step();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const before = process.memoryUsage().rss;
  const tensors = tf.memory().numTensors;
  const nativeCalls = (): number => Object.values(nativeKernelStats(column === 'native-cpu' ? 'cpu' : 'wasm')).reduce((n, c) => n + (c?.native ?? 0), 0);
  const callsBefore = nativeCalls();
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) step();
  const ms = performance.now() - t0;
  gc?.();
  const after = process.memoryUsage().rss;
  const kernelCalls = nativeCalls() - callsBefore;
  const leakedTensors = tf.memory().numTensors - tensors;
  tf.dispose([x, wt, a, gamma, beta]);
  const mb = (b: number) => Math.round((b / 2 ** 20) * 10) / 10;
  return {
    workload: `rss_${calls}_steps`,
    backend: column,
    kernel_calls: kernelCalls,
    rss_before_mb: mb(before),
    rss_after_mb: mb(after),
    rss_growth_mb: mb(after - before),
    leaked_tensors: leakedTensors,
    ms_per_step: round3(ms / calls),
  };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const native = loadNative();
  if (!native.ok) {
    process.stderr.write(`bench: ${native.reason}\n`);
    process.exit(1);
  }
  const emit = jsonLines(opts.out);
  registerWasmKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  if (opts.threads !== undefined) native.addon.setNumThreads(opts.threads);
  process.stderr.write(`bench: tfjs ${tf.version.tfjs}, node ${process.version}, n=${opts.n}; oneDNN ${JSON.stringify(native.addon.info())}\n`);
  const workloads = WORKLOADS.filter((w) => opts.only === undefined || w.name.includes(opts.only));
  for (const w of workloads) {
    const groups: ReadonlyArray<readonly Column[]> = opts.cpu ? [['wasm', 'native-wasm'], ['native-cpu']] : [['wasm', 'native-wasm']];
    for (const group of groups) {
      process.stderr.write(`[${w.name}] batch ${w.batch(opts.quick)}: ${group.join(' vs ')}\n`);
      for (const line of await measureGroup(w, group, opts)) emit(line);
    }
  }
  if (opts.rssCalls > 0) {
    for (const column of opts.cpu ? (['native-wasm', 'native-cpu'] as const) : (['native-wasm'] as const)) emit(await rss(column, opts.rssCalls, opts));
  }
  const stats = nativeKernelStats('wasm');
  process.stderr.write(`native kernel calls on wasm: ${JSON.stringify(stats)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
