/**
 * Benchmark of @robustjs/datasets: how long loading and batching take, and how much memory they need.
 *
 *   npm run bench -w @robustjs/datasets -- [--n 5] [--only <substring>]
 *
 * Per workload: 1 warm-up run, then n timed runs; stdout gets one JSON line
 * `{workload, median_ms, n, rss_mb, ...}` where `rss_mb` is the process's peak resident set size (MiB) after
 * the workload's runs (the workloads run in the order below, the 60,000-image load first, so its line is its
 * own peak). A workload whose data is missing gives `{"workload", "skipped": reason}`. Progress goes to stderr.
 *
 * Workloads:
 *   load_fashion_train_60000   loadFashionMnist({ split: 'train' }) (needs the Debian package or $ROBUSTJS_DATA)
 *   load_fashion_test_embedded the embedded test split (10,000 images)
 *   batches_train_bs128        every shuffled batch of 128 of the training split (else the test split) as
 *                              tensors on the cpu backend, each disposed
 *   balanced_subset_pad_500    balancedSubset(test, { perClass: 50 }) then pad to 32×32
 */
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { balancedSubset, batches, pad, type Dataset } from '../src/index';
import { embeddedDataDir, loadFashionMnist } from '../src/node';

console.log = console.error;
console.info = console.error;
console.warn = console.error;

function parseArgs(argv: readonly string[]): { n: number; only: string | undefined } {
  let n = 5;
  let only: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--n') n = Number(argv[++i]);
    else if (argv[i] === '--only') only = argv[++i];
    else {
      process.stderr.write(`bench: unknown argument ${argv[i]}\nusage: bench.ts [--n <k>] [--only <substring>]\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write('bench: --n needs a positive integer\n');
    process.exit(2);
  }
  return { n, only };
}

const peakRssMb = () => Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function run(name: string, n: number, body: () => Promise<Record<string, unknown> | void>): Promise<void> {
  process.stderr.write(`bench: ${name} …\n`);
  let extra: Record<string, unknown> | void = undefined;
  try {
    extra = await body(); // warm-up
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      extra = await body();
      times.push(performance.now() - t0);
    }
    const line = { workload: name, median_ms: Number(median(times).toFixed(1)), n, rss_mb: peakRssMb(), ...(extra ?? {}) };
    process.stdout.write(`${JSON.stringify(line)}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ workload: name, skipped: e instanceof Error ? e.message : String(e), median_ms: null, n: 0, rss_mb: peakRssMb() })}\n`);
  }
}

async function main(): Promise<void> {
  const { n, only } = parseArgs(process.argv.slice(2));
  const want = (name: string) => only === undefined || name.includes(only);
  await tf.setBackend('cpu');
  let train: Dataset | undefined;
  const test = await loadFashionMnist({ split: 'test', root: embeddedDataDir() });

  if (want('load_fashion_train_60000')) {
    await run('load_fashion_train_60000', n, async () => {
      train = await loadFashionMnist({ split: 'train' });
      return { images: train.shape[0], source: train.source };
    });
  }
  if (want('load_fashion_test_embedded')) {
    await run('load_fashion_test_embedded', n, async () => {
      const ds = await loadFashionMnist({ split: 'test', root: embeddedDataDir() });
      return { images: ds.shape[0] };
    });
  }
  if (want('batches_train_bs128')) {
    if (train === undefined) train = await loadFashionMnist({ split: 'train' }).catch(() => undefined);
    const ds = train ?? test;
    await run('batches_train_bs128', n, async () => {
      let count = 0;
      for await (const { x, y } of batches(ds, { batchSize: 128, shuffle: true, seed: count })) {
        count++;
        tf.dispose([x, y]);
      }
      if (tf.memory().numTensors !== 0) throw new Error(`leak: ${tf.memory().numTensors} tensors alive`);
      return { images: ds.shape[0], batches: count };
    });
  }
  if (want('balanced_subset_pad_500')) {
    await run('balanced_subset_pad_500', n, async () => {
      const sub = pad(balancedSubset(test, { perClass: 50, seed: 0 }), { size: 32 });
      return { images: sub.shape[0] };
    });
  }
}

await main();
