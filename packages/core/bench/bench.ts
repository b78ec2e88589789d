/**
 * Benchmark of @robustjs/core's wasm kernel additions on the reference workloads of PERF-NOTES.md.
 *
 *   npm run bench -w @robustjs/core -- [--n 5] [--quick] [--only <substring>] [--out file.jsonl] [--cpu]
 *
 * Every workload runs on `wasm-stock` (tfjs-backend-wasm 4.22.0 as shipped) and on `wasm` (with
 * `registerWasmKernels()`), and on the pure-JS `cpu` backend with `--cpu` (very slow: minutes per training
 * step). Per (workload, backend): 2 warmup runs, then n timed runs, each forced with `await t.data()` and
 * fully disposed; the median goes to stdout as one JSON line. `wasm-stock` and `wasm` share the model and
 * data of a workload and their runs alternate, so load drift and process warm-up hit both alike. A workload that throws (on stock wasm the
 * training step fails: Conv2DBackpropFilter is not registered) gives a line with `"error"` and
 * `"median_ms": null`. The last line is `{"summary":"speedup", <workload>: stock median / additions median}`.
 * stdout carries only JSON lines; progress goes to stderr.
 *
 * Flags:
 *   --n <k>            timed runs per workload (default 5)
 *   --quick            smoke test: n = 2, batch 16 (CNN) and 4 (UNet)
 *   --only <substr>    only workloads whose name contains substr
 *   --out <file>       also write every JSON line to file (overwritten)
 *   --cpu              also run on the cpu backend
 *   --backend <list>   instead: the backend table (wasm, native, webgpu) of backends.ts, into backends.json
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels, unregisterWasmKernels } from '../src/index';
import { jsonLines, median, parseBenchFlags, round1 } from '@robustjs/test-utils/bench';
import { makeCnn, makeUnet, type Model } from './models';

// Keep stdout for the JSON lines only: anything tfjs (or anyone) logs goes to stderr.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

const WARMUP = 2;
const SEED = 1234;

interface Options {
  n: number;
  quick: boolean;
  only: string | undefined;
  out: string | undefined;
  cpu: boolean;
}

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Options {
  const f = parseBenchFlags(argv, { n: 5, quickN: 2, values: { out: { type: 'string' } } }, ['cpu']);
  return { n: f.n, quick: f.quick, only: f.only, out: f.values['out'] as string | undefined, cpu: f.flags['cpu'] === true };
}

// ---------------------------------------------------------------------------------------------------------
// Workloads

/** One prepared workload: `run()` does one step and returns a tensor to force; `dispose()` frees setup. */
interface Prepared {
  run(): tf.Tensor;
  dispose(): void;
}

interface Workload {
  readonly name: string;
  readonly batch: (quick: boolean) => number;
  /** Builds model, data and optimizer; returns the step and its approximate FLOPs (whole batch). */
  readonly setup: (batch: number) => { prepared: Prepared; flops: number };
}

function cnnData(batch: number): { x: tf.Tensor4D; labels: tf.Tensor2D } {
  const x = tf.randomUniform([batch, 28, 28, 1], 0, 1, 'float32', SEED + 1) as tf.Tensor4D;
  const labels = tf.tidy(() =>
    tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32', SEED + 2) as tf.Tensor1D, 10).toFloat(),
  ) as tf.Tensor2D;
  return { x, labels };
}

function unetData(batch: number): { x: tf.Tensor4D; t: tf.Tensor1D } {
  const x = tf.randomNormal([batch, 28, 28, 1], 0, 1, 'float32', SEED + 3) as tf.Tensor4D;
  const t = tf.tidy(() => tf.floor(tf.randomUniform([batch], 0, 1000, 'float32', SEED + 4))) as tf.Tensor1D;
  return { x, t };
}

function disposer(model: Model<unknown>, ...tensors: tf.Tensor[]): () => void {
  return () => {
    model.dispose();
    tf.dispose(tensors);
  };
}

const PGD_STEP = 2 / 255;

const WORKLOADS: readonly Workload[] = [
  {
    name: 'cnn_forward',
    batch: (q) => (q ? 16 : 128),
    setup(batch) {
      const model = makeCnn(SEED);
      const { x, labels } = cnnData(batch);
      return {
        flops: model.flops.forward * batch,
        prepared: { run: () => tf.tidy(() => model.forward(x)), dispose: disposer(model, x, labels) },
      };
    },
  },
  {
    // One PGD step: gradient of the mean softmax cross-entropy wrt the images, then x + α·sign(g) in [0, 1].
    name: 'cnn_input_grad',
    batch: (q) => (q ? 16 : 128),
    setup(batch) {
      const model = makeCnn(SEED);
      const { x, labels } = cnnData(batch);
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
    // One Adam step on every parameter.
    name: 'cnn_train_step',
    batch: (q) => (q ? 16 : 128),
    setup(batch) {
      const model = makeCnn(SEED);
      const { x, labels } = cnnData(batch);
      const optimizer = tf.train.adam(1e-3);
      const loss = (): tf.Scalar => tf.losses.softmaxCrossEntropy(labels, model.forward(x));
      const dispose = disposer(model, x, labels);
      return {
        flops: model.flops.train * batch,
        prepared: {
          run: () => {
            // The outer tidy frees the forward output when the backward pass throws (stock wasm).
            return tf.tidy(() => {
              const cost = optimizer.minimize(loss, true, model.params);
              if (cost === null) throw new Error('optimizer.minimize returned no cost');
              return cost;
            });
          },
          dispose: () => {
            optimizer.dispose();
            dispose();
          },
        },
      };
    },
  },
  {
    name: 'unet_forward',
    batch: (q) => (q ? 4 : 64),
    setup(batch) {
      const model = makeUnet(SEED);
      const { x, t } = unetData(batch);
      return {
        flops: model.flops.forward * batch,
        prepared: { run: () => tf.tidy(() => model.forward(x, t)), dispose: disposer(model, x, t) },
      };
    },
  },
  {
    // Gradient of the mean squared output wrt the input.
    name: 'unet_input_grad',
    batch: (q) => (q ? 4 : 64),
    setup(batch) {
      const model = makeUnet(SEED);
      const { x, t } = unetData(batch);
      const grad = tf.grad((xx: tf.Tensor) => tf.mean(tf.square(model.forward(xx as tf.Tensor4D, t))));
      return {
        flops: model.flops.inputGrad * batch,
        prepared: { run: () => tf.tidy(() => grad(x)), dispose: disposer(model, x, t) },
      };
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Configurations

interface Config {
  readonly name: 'cpu' | 'wasm-stock' | 'wasm';
  readonly backend: 'cpu' | 'wasm';
  readonly additions: boolean;
}

async function activate(c: Config): Promise<void> {
  if (c.backend === 'wasm') {
    if (c.additions) registerWasmKernels();
    else unregisterWasmKernels();
  }
  if (tf.getBackend() !== c.backend) {
    if (!(await tf.setBackend(c.backend))) throw new Error(`tf.setBackend('${c.backend}') failed`);
    await tf.ready();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Measurement

interface ResultLine {
  workload: string;
  backend: string;
  median_ms: number | null;
  min_ms: number | null;
  n: number;
  batch: number;
  gflop?: number;
  gflop_per_s?: number;
  error?: string;
  leaked?: number;
}

function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return (m.split('\n')[0] ?? m).trim();
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

/**
 * After a gradient that threw in its backward pass, tfjs leaves the tape (and the tensors it saved for the
 * backward pass) in place; free them so the next workload starts clean.
 */
function resetTape(): void {
  const state = tf.engine().state;
  if (state.gradientDepth === 0 && state.activeTape != null) {
    for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
    state.activeTape = null as unknown as typeof state.activeTape;
  }
}

async function step(p: Prepared): Promise<number> {
  const t0 = performance.now();
  const out = p.run();
  try {
    await out.data();
    return performance.now() - t0;
  } finally {
    out.dispose();
  }
}

interface ConfigState {
  readonly config: Config;
  readonly line: ResultLine;
  readonly times: number[];
  warm: number[];
  leaked: number;
  succeeded: boolean;
}

/**
 * Measures one workload on the configurations of one backend. They share the model and data, and their
 * runs are interleaved (stock, additions, stock, …; warmups first), so that drift in the machine's load and
 * process warm-up (JIT, wasm memory growth) fall on both alike: compare ratios within one run.
 * A configuration whose step throws is reported with its error and dropped from later rounds.
 */
async function measureGroup(w: Workload, configs: readonly Config[], opts: Options): Promise<ResultLine[]> {
  const batch = w.batch(opts.quick);
  const states: ConfigState[] = configs.map((config) => ({
    config,
    line: { workload: w.name, backend: config.name, median_ms: null, min_ms: null, n: opts.n, batch },
    times: [],
    warm: [],
    leaked: 0,
    succeeded: false,
  }));
  await activate(configs[0]!);
  const before = tf.memory().numTensors;
  let prepared: Prepared | undefined;
  let flops = 0;
  try {
    ({ prepared, flops } = w.setup(batch));
  } catch (e) {
    for (const s of states) s.line.error = `setup failed: ${firstLine(e)}`;
    resetTape();
  }
  if (prepared !== undefined) {
    for (const s of states) s.line.gflop = round3(flops / 1e9);
    for (let round = 0; round < WARMUP + opts.n; round++) {
      for (const s of states) {
        if (s.line.error !== undefined) continue;
        await activate(s.config);
        const n0 = tf.memory().numTensors;
        try {
          const ms = await step(prepared);
          (round < WARMUP ? s.warm : s.times).push(ms);
          // The first successful step may create state that lives on (optimizer slots): not a leak.
          if (s.succeeded) s.leaked += tf.memory().numTensors - n0;
          s.succeeded = true;
        } catch (e) {
          s.line.error = firstLine(e);
          resetTape();
          s.leaked += tf.memory().numTensors - n0;
        }
      }
    }
    prepared.dispose();
  }
  // Whatever setup + dispose leave behind beyond the per-step leaks is charged to every configuration.
  const residual = tf.memory().numTensors - before - states.reduce((sum, s) => sum + s.leaked, 0);
  for (const s of states) {
    const { line } = s;
    if (line.error === undefined && s.times.length > 0) {
      line.median_ms = round1(median(s.times));
      line.min_ms = round1(Math.min(...s.times));
      line.gflop_per_s = round1(flops / 1e9 / (line.median_ms / 1000));
    }
    const leaked = s.leaked + residual;
    if (leaked !== 0) line.leaked = leaked;
    const fmt = (xs: number[]): string => xs.map((t) => t.toFixed(0)).join(', ');
    process.stderr.write(
      `  ${s.config.name}: ${line.error !== undefined ? `error: ${line.error}` : `warmup ${fmt(s.warm)} ms; runs ${fmt(s.times)} ms`}` +
        `${leaked !== 0 ? `; ${leaked} tensors leaked` : ''}\n`,
    );
  }
  return states.map((s) => s.line);
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  // `--backend <wasm|native|webgpu,…>`: the backend table of issue 19 (backends.ts) instead.
  if (process.argv.includes('--backend')) return (await import('./backends')).main(process.argv.slice(2));
  const opts = parseArgs(process.argv.slice(2));
  const workloads = WORKLOADS.filter((w) => opts.only === undefined || w.name.includes(opts.only));
  if (workloads.length === 0) usage(`--only ${opts.only ?? ''} matches no workload (${WORKLOADS.map((w) => w.name).join(', ')})`);
  const configs: Config[] = [
    ...(opts.cpu ? [{ name: 'cpu', backend: 'cpu', additions: false } as const] : []),
    { name: 'wasm-stock', backend: 'wasm', additions: false },
    { name: 'wasm', backend: 'wasm', additions: true },
  ];
  const groups = [...new Set(configs.map((c) => c.backend))].map((b) => configs.filter((c) => c.backend === b));
  const emit = jsonLines(opts.out);

  // Install the additions before the wasm backend initializes (so any kernel setup runs), then toggle.
  registerWasmKernels();
  if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
  await tf.ready();
  process.stderr.write(
    `bench: tfjs ${tf.version.tfjs}, node ${process.version}, n=${opts.n}, warmup=${WARMUP}${opts.quick ? ', quick' : ''}; ` +
      `configs ${configs.map((c) => c.name).join(', ')}\n`,
  );

  const medians = new Map<string, Map<string, number | null>>();
  for (const w of workloads) {
    const m = new Map<string, number | null>();
    medians.set(w.name, m);
    for (const group of groups) {
      process.stderr.write(`[${w.name}] batch ${w.batch(opts.quick)}, ${group.map((c) => c.name).join(' vs ')}\n`);
      for (const line of await measureGroup(w, group, opts)) {
        emit(line);
        m.set(line.backend, line.median_ms);
      }
    }
  }

  const summary: Record<string, string | number | null> = { summary: 'speedup' };
  for (const [name, m] of medians) {
    const stock = m.get('wasm-stock');
    const added = m.get('wasm');
    summary[name] = stock != null && added != null && added > 0 ? Math.round((stock / added) * 100) / 100 : null;
  }
  emit(summary);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
