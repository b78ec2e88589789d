/**
 * Benchmark of scale-out on the queue: the wall time of one 4-shard evaluation as one `robustjs eval` process versus
 * `robustjs submit --shards 4` with two `robustjs worker` processes (BullMQ on a local redis-server), and the queue's
 * overhead per shard.
 *
 *   npm run bench:queue -w @robustjs/cli -- [--n 3] [--quick]
 *
 * Needs `redis-server` (Debian package). Zoo models, 16 Fashion-MNIST test images (8 with --quick) in batches of 2,
 * the undefended CNN and DiffPure (t* = 30, 3 steps) under PGD+EOT (20 steps, EOT 2). The workers are started once
 * (as a deployment would; one core each: OMP_NUM_THREADS=1) and stay warm; each repetition alternates the two paths
 * (the single process keeps every core), each with fresh output and
 * checkpoint folders (nothing resumed). Overhead per shard = (workers × queue wall − Σ shard evaluation seconds) /
 * shards: the time a worker spends on a shard outside the evaluation (queueing, loading models, Redis, merge).
 * stdout: one JSON line with both medians, their ratio and the overhead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { emit, median, parseBenchFlags } from '@robustjs/test-utils/bench';

const { n, quick } = parseBenchFlags(process.argv.slice(2), { n: 3, quickN: 1 });
const ROOT = resolve(import.meta.dirname, '../../..');
const SHARDS = 4;
const WORKERS = 2;
const dir = mkdtempSync(join(tmpdir(), 'robustjs-queue-bench-'));
const protocol = {
  images: quick ? 8 : 16, batchSize: 2, chunkSize: 2, examples: 0, seed: 3, attack: { steps: 20, eot: 2 },
  defenses: [{ name: 'none' }, { name: 'diffpure', t: 30, steps: 3, surrogateSteps: 2 }],
};
const file = join(dir, 'protocol.json');
writeFileSync(file, JSON.stringify(protocol));

const freePort = (): Promise<number> => new Promise((res, rej) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => res(port));
  }).on('error', rej);
});
// One core per worker (oneDNN's OpenMP threads), as one worker per accelerator; the single process keeps every core.
const cli = (args: string[], env: Record<string, string> = {}): ChildProcess =>
  spawn(process.execPath, ['--conditions=@robustjs/source', '--import', 'tsx', 'packages/cli/src/bin.ts', ...args],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
const exit = (child: ChildProcess): Promise<number> => new Promise((res) => child.on('exit', (code) => res(code ?? 1)));
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const port = await freePort();
const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
await sleep(500);
const url = `redis://127.0.0.1:${port}`;
const workers = Array.from({ length: WORKERS }, () => cli(['worker', '--redis', url, '--backend', 'wasm', '--quiet'], { OMP_NUM_THREADS: '1' }));

const single: number[] = [];
const queued: number[] = [];
const overhead: number[] = [];
try {
  for (let r = 0; r < n + 1; r++) {
    const t0 = performance.now();
    const code = await exit(cli(['eval', file, '--out', join(dir, `single-${r}`), '--backend', 'wasm', '--quiet']));
    if (code !== 0) throw new Error(`eval exited with ${code}`);
    const tSingle = performance.now() - t0;
    const out = join(dir, `queue-${r}`);
    const t1 = performance.now();
    const submit = await exit(cli(['submit', file, '--shards', String(SHARDS), '--redis', url, '--out', out, '--run', `bench-${r}`]));
    if (submit !== 0) throw new Error(`submit exited with ${submit}`);
    while (!existsSync(join(out, 'report.json'))) await sleep(50);
    const tQueue = performance.now() - t1;
    const seconds = (JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { environment: { seconds: number } }).environment.seconds;
    if (r === 0) continue; // warm-up: the first run of each path pays the module and model loading of the workers
    single.push(tSingle);
    queued.push(tQueue);
    overhead.push((WORKERS * tQueue - 1000 * seconds) / SHARDS);
    process.stderr.write('.');
  }
} finally {
  for (const w of workers) w.kill('SIGTERM');
  await Promise.all(workers.map(exit));
  redis.kill('SIGTERM');
}
const s = median(single);
const q = median(queued);
emit({
  workload: `eval-${protocol.images}img-4shards`, single_process_median_ms: Math.round(s), queue_2_workers_median_ms: Math.round(q),
  speedup: Number((s / q).toFixed(3)), overhead_per_shard_ms: Math.round(median(overhead)), n,
});
