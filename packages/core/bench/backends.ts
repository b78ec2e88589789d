/**
 * The backend table of issue 19: the same three workloads on each Node backend, one row per backend
 * in packages/core/bench/backends.json (the browser bench of examples/browser adds its rows to the
 * same table).
 *
 *   npm run bench -w @robustjs/core -- --backend webgpu            (or wasm, native, or a list:
 *   wasm,native,webgpu) [--n 3] [--eps-images 2] [--out packages/core/bench/backends.json]
 *
 * Workloads (as the browser page times them, on the shipped zoo models):
 * - `detectorScore100`: DAD's MMD-OPT detector (deep kernel on the zoo featurizer φ) scoring a
 *   batch of 100;
 * - `unetForward64`: one forward pass of the Fashion-MNIST ε-UNet (785k parameters) on 64 images, t
 *   = 100;
 * - `epsNormPerImage`: SSNI's EPS norm (T_S = 20 UNet calls per image, seed 0) of `--eps-images`
 *   images, per image. Each: one warm-up, then `--n` timed runs forced with `await data()`; the
 *   median in ms. Backends: `wasm` (with robustjs's kernel additions, oneDNN off), `native` (wasm +
 *   @robustjs/native's oneDNN kernels), `webgpu` (initBackend('webgpu'): a GPU through Dawn, or
 *   SwiftShader when there is none). Each backend runs in its own process (kernel registrations do
 *   not leak between rows). Rows of the same platform and backend are replaced.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { parseBenchFlags, median, round1 } from '@robustjs/test-utils/bench';
import { initBackend, type BackendInfo } from '../src/index';

const here = dirname(fileURLToPath(import.meta.url));
const BACKENDS = ['wasm', 'native', 'webgpu'] as const;
type Row = Record<string, string | number | null>;

async function timeMedian(name: string, n: number, run: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await run();
  process.stderr.write(`  ${name}: warm-up ${round1(performance.now() - t0)} ms\n`);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return round1(median(times));
}

/** One backend in this process: load the models, time the three workloads, return the row. */
type Backend = (typeof BACKENDS)[number];

async function measure(backend: Backend, n: number, epsImages: number): Promise<Row> {
  if (backend !== 'native') process.env.ROBUSTJS_NATIVE = '0';
  const info: BackendInfo = await initBackend(backend === 'native' ? 'wasm' : backend);
  const native = info.tried.find((t) => t.name === 'native');
  if (backend === 'native' && native?.ok !== true) {
    throw new Error(`@robustjs/native is not available: ${native?.reason ?? ''}`);
  }
  const webgpu = info.tried.find((t) => t.name === 'webgpu');
  // Sibling packages, by name (the workspace links them): the table times the shipped models.
  const { loadDad } = await import('@robustjs/dad/node');
  const { loadFeaturizer, modelsDir } = await import('@robustjs/zoo/node');
  const { unetFromSafetensors, linearSchedule } = await import('@robustjs/diffusion');
  const { epsNorm } = await import('@robustjs/ssni');
  const phi = await loadFeaturizer();
  const dad = await loadDad(join(modelsDir(), 'dad'), { featurizer: phi });
  const unetFile = readFileSync(join(modelsDir(), 'unet', 'unet.safetensors'));
  const unet = unetFromSafetensors(unetFile, 'unet.safetensors');
  const x100 = tf.randomUniform([100, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
  const x64 = tf.randomUniform([64, 28, 28, 1], -1, 1, 'float32', 2) as tf.Tensor4D;
  const t64 = tf.fill([64], 100, 'int32') as tf.Tensor1D;
  const xe = tf.slice(x100, 0, epsImages) as tf.Tensor4D;
  try {
    const detectorScore100 = await timeMedian('detectorScore100', n, async () => {
      const s = dad.detector.score(x100);
      await s.data();
      s.dispose();
    });
    const unetForward64 = await timeMedian('unetForward64', n, async () => {
      const e = tf.tidy(() => unet.predict(x64, t64));
      await e.data();
      e.dispose();
    });
    const epsAll = await timeMedian('epsNorm', n, async () => {
      epsNorm(unet.predict, linearSchedule(), xe, { steps: 20, seed: 0 });
    });
    return {
      platform: 'node', backend, adapter: webgpu?.adapter ?? null, detectorScore100, unetForward64,
      epsNormPerImage: round1(epsAll / epsImages), epsImages, repeats: n, tfjs: tf.version_core,
      node: process.version, cpus: cpus().length, load1: round1(loadavg()[0] ?? 0),
      date: new Date().toISOString(),
    };
  } finally {
    tf.dispose([x100, x64, t64, xe]);
    unet.dispose();
    dad.dispose();
    phi.dispose();
  }
}

/** `--backend` entry point of core's bench (bench.ts hands over to it). */
export async function main(argv: readonly string[]): Promise<void> {
  const f = parseBenchFlags(argv, { n: 3, quickN: 1, values: {
    backend: { type: 'string', default: BACKENDS.join(',') },
    'eps-images': { type: 'int', default: 2, min: 1 },
    out: { type: 'string', default: join(here, 'backends.json') }, child: { type: 'string' },
  } });
  const epsImages = f.values['eps-images'] as number;
  const child = f.values['child'] as string | undefined;
  if (child !== undefined) {
    // One backend, in a child process: the row goes to stdout as one JSON line.
    const row = await measure(child as Backend, f.n, epsImages);
    process.stdout.write(`${JSON.stringify(row)}\n`);
    return;
  }
  const wanted = (f.values['backend'] as string).split(',').map((s) => s.trim())
    .filter((s) => s !== '');
  const bad = wanted.filter((b) => !(BACKENDS as readonly string[]).includes(b));
  if (bad.length > 0) {
    const valid = BACKENDS.join(', ');
    process.stderr.write(`bench: --backend takes ${valid} (comma-separated), got ${bad.join()}\n`);
    process.exit(2);
  }
  const out = f.values['out'] as string;
  const table: { rows: Row[] } = existsSync(out)
    ? (JSON.parse(readFileSync(out, 'utf8')) as { rows: Row[] }) : { rows: [] };
  for (const backend of wanted) {
    process.stderr.write(`bench: ${backend} ...\n`);
    const script = fileURLToPath(new URL('./bench.ts', import.meta.url));
    const args = [...process.execArgv, script, '--backend', backend, '--child', backend,
      '--n', String(f.n), '--eps-images', String(epsImages)];
    const stdio: ['ignore', 'pipe', 'inherit'] = ['ignore', 'pipe', 'inherit'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', stdio });
    const line = r.stdout.trim().split('\n').at(-1) ?? '';
    const row: Row = r.status === 0 && line.startsWith('{') ? (JSON.parse(line) as Row)
      : { platform: 'node', backend, error: `exit ${r.status ?? r.signal}`,
        date: new Date().toISOString() };
    process.stdout.write(`${JSON.stringify(row)}\n`);
    const same = (x: Row): boolean => x['platform'] === 'node' && x['backend'] === backend;
    const others = table.rows.filter((x) => !same(x));
    table.rows = [...others, row];
  }
  const doc = {
    table: 'issue 19: detector score of a batch of 100, UNet forward of 64 images, SSNI EPS norm ' +
      'per image (ms, medians)',
    columns: ['platform', 'backend', 'adapter', 'detectorScore100', 'unetForward64',
      'epsNormPerImage'],
    ...table, rows: table.rows,
  };
  writeFileSync(out, `${JSON.stringify(doc, null, 2)}\n`);
  process.stderr.write(`bench: wrote ${out}\n`);
}
