import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRedis, parseProtocol, protocolHash, runCli, runStatus, SHARD_QUEUE, shardJobId, shardRange,
  type Report, type RunStatus, type ShardJobData,
} from '../src/index';
import { captureIo, protocolFile, tempDir, tinyUnetFile } from './helpers';
import { freePort, records, REDIS, ROOT, until } from './queueHelpers';

// The only test that needs Redis: `redis-server` (Debian package redis-server) on PATH or in /usr/bin. Outside CI it is
// skipped when absent; with CI=true a missing redis-server fails it (`.ci/run` installs it).
const CI = process.env.CI === 'true';

// 16 images in batches of 2 (8 batches, 2 per shard) × 2 defenses: 4 checkpoints per shard; a DiffPure batch under
// 40 PGD steps with EOT 3 takes about a second on the wasm backend, so a shard runs for a few seconds.
const PROTOCOL = {
  images: 16, batchSize: 2, chunkSize: 2, examples: 3, seed: 11,
  attack: { steps: 40, eot: 3 },
  defenses: [{ name: 'none' }, { name: 'diffpure', t: 30, steps: 3, surrogateSteps: 2 }],
};
const SHARDS = 4;
const BATCHES_PER_SHARD = 2 * PROTOCOL.defenses.length;




interface WorkerProcess { readonly child: ChildProcess; stderr: string }

describe.skipIf(REDIS === undefined && !CI)('submit / worker / status on BullMQ', () => {
  let dir = '';
  let unet = '';
  let file = '';
  let url = '';
  let redisServer: ChildProcess | undefined;
  let redis: Redis | undefined;
  const workers: WorkerProcess[] = [];

  const cli = async (args: string[]): Promise<{ code: number; out: string; err: string; ms: number }> => {
    const io = captureIo();
    const t0 = Date.now();
    const code = await runCli(args, io);
    return { code, out: io.out(), err: io.err(), ms: Date.now() - t0 };
  };
  // Short locks so a killed worker's shard is retried within seconds (a DiffPure batch here takes about 1 s on an
  // idle machine, up to 15 s on two loaded cores: the lock must outlast the longest batch or the shard stalls).
  const startWorkerProcess = (): WorkerProcess => {
    const child = spawn(process.execPath, ['--conditions=@robustjs/source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'worker',
      '--redis', url, '--backend', 'wasm', '--lock-duration', '30000', '--stalled-interval', '1000'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const w: WorkerProcess = { child, stderr: '' };
    child.stderr?.on('data', (d: Buffer) => {
      w.stderr += d.toString();
    });
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    if (REDIS === undefined) throw new Error('queue.test.ts needs redis-server (apt-get install redis-server); CI=true, so it is not skipped.');
    dir = tempDir();
    unet = await tinyUnetFile(dir);
    file = protocolFile(dir, { ...PROTOCOL, models: { unet } });
    const port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    redisServer = spawn(REDIS, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    redis = await until('redis-server', () => connectRedis(url).catch(() => undefined), 10_000, 100);
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await redis?.quit().catch(() => {});
    redisServer?.kill('SIGKILL');
  });

  it('bad input: unreachable Redis, --shards 0, an unknown run: one line, exit 2, within seconds', async () => {
    const closed = `redis://127.0.0.1:${await freePort()}`;
    for (const args of [['submit', file, '--shards', '2', '--redis', closed], ['worker', '--redis', closed], ['status', 'r', '--redis', closed]]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/^robustjs: error: Redis at redis:\/\/127\.0\.0\.1:\d+ is unreachable \(ECONNREFUSED\); start redis-server or pass --redis redis:\/\/host:port\.\n$/);
      expect(r.ms).toBeLessThan(5000);
    }
    expect((await cli(['submit', file, '--shards', '0', '--redis', url])).err)
      .toBe("robustjs: error: Option '--shards' must be an integer ≥ 1, got '0'. Pass e.g. --shards 1.\n");
    const unknown = await cli(['status', 'no-such-run', '--redis', url]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^robustjs: error: No run 'no-such-run' in the queue .*\n$/);
    expect((await cli(['submit', file, '--shards', '2', '--redis', 'http://x'])).code).toBe(2);
  });

  it('4 shards on 2 workers, one SIGKILLed mid-shard: retried elsewhere from its checkpoints; the merge equals one eval', async () => {
    const out = join(dir, 'queued');
    const checkpoints = join(dir, 'ckpt');
    const submitted = await cli(['submit', file, '--shards', String(SHARDS), '--redis', url, '--run', 'acceptance', '--out', out, '--checkpoints', checkpoints]);
    expect(submitted).toMatchObject({ code: 0, out: 'acceptance\n' });

    const a = startWorkerProcess();
    startWorkerProcess(); // b
    // the shard a runs, once its first checkpoint file is on disk (and not yet all of them)
    const hashDir = join(checkpoints, protocolHash(parseProtocol(JSON.parse(readFileSync(file, 'utf8')), file)));
    const shardFiles = (shard: number): string[] => {
      const [from, to] = shardRange(SHARDS * 2, shard, SHARDS);
      return existsSync(hashDir) ? readdirSync(hashDir).filter((f) => /^\d+-\d+\.json$/.test(f) && Number(f.split(/[-.]/)[1]) >= from && Number(f.split(/[-.]/)[1]) < to) : [];
    };
    const { shard: killed, files: atKill } = await until('a checkpoint of the shard worker a runs', () => {
      const started = [...a.stderr.matchAll(/run acceptance shard (\d)\/4: attempt 1 started/g)].map((m) => Number(m[1]));
      const shard = started.at(-1);
      if (shard === undefined) return undefined;
      const files = shardFiles(shard);
      return files.length >= 1 ? { shard, files: files.length } : undefined;
    }, 60_000, 20);
    a.child.kill('SIGKILL');
    expect(atKill).toBeLessThan(BATCHES_PER_SHARD); // killed mid-shard
    startWorkerProcess(); // the replacement

    const status = await until<RunStatus>('the merge', async () => {
      const s = await runStatus(redis as Redis, 'acceptance');
      if (s.merge.state === 'failed') throw new Error(`merge failed: ${JSON.stringify(s)}\n${workers.map((w) => w.stderr).join('\n')}`);
      return s.merge.state === 'completed' ? s : undefined;
    }, 120_000, 200);
    expect(status.counts).toMatchObject({ done: SHARDS, failed: 0, running: 0, waiting: 0 });
    const retried = status.shards[killed];
    expect(retried?.attempts).toBeGreaterThanOrEqual(2);
    expect(retried?.stalled).toBeGreaterThanOrEqual(1);
    expect(retried?.retried).toBe(true);
    // the last attempt resumed: it read back the batches the killed worker had written and recomputed only the rest
    const [, restored, computed] = /(\d+) defense batches restored from checkpoints, (\d+) computed/.exec(retried?.log.at(-1) ?? '') ?? [];
    expect(Number(restored)).toBeGreaterThanOrEqual(atKill);
    expect(Number(computed)).toBe(BATCHES_PER_SHARD - Number(restored));
    expect(Number(computed)).toBeLessThan(BATCHES_PER_SHARD);
    expect(status.merge.files).toEqual([join(out, 'report.json'), join(out, 'report.html')]);

    const text = await cli(['status', 'acceptance', '--redis', url]);
    expect(text.out).toMatch(/^run acceptance: 4 shards: 4 done, 0 running, 0 failed, 0 waiting; \d retried\n/);
    expect(text.out).toContain(`shard ${killed}/4  completed 100%  attempts ${retried?.attempts} (retried)`);

    const single = await cli(['eval', file, '--backend', 'wasm', '--quiet', '--out', join(dir, 'single')]);
    expect(single.code, single.err).toBe(0);
    const read = (d: string): Report => JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as Report;
    expect(records(read(out))).toEqual(records(read(join(dir, 'single'))));
    expect(read(out).environment.shards).toBe(SHARDS);
  }, 240_000);

  it('a worker refuses a job whose protocol hash differs from the one it recomputes (no retry)', async () => {
    const queue = new Queue(SHARD_QUEUE, { connection: redis as Redis });
    const data: ShardJobData = {
      run: 'tampered', protocol: parseProtocol(PROTOCOL, 'test'), protocolHash: 'f'.repeat(64), shard: { index: 0, count: 1 }, checkpoints: join(dir, 'ckpt'),
    };
    try {
      await queue.add('shard', data, { jobId: shardJobId('tampered', 0), attempts: 3 });
      // the state first, then the job: a job read before it failed has no failedReason yet
      const id = shardJobId('tampered', 0);
      const job = await until('the refusal', async () => {
        return (await queue.getJobState(id)) === 'failed' ? queue.getJob(id) : undefined;
      }, 30_000, 100);
      expect(job.failedReason).toMatch(/^run tampered shard 0\/1: protocol hash ffffffffffff of the job differs from [0-9a-f]{12} recomputed by this worker/);
      expect(job.attemptsMade).toBe(1);
    } finally {
      await queue.close();
    }
  }, 60_000);

  it('workers stop cleanly on SIGTERM', async () => {
    const alive = workers.filter((w) => w.child.exitCode === null && w.child.signalCode === null);
    expect(alive.length).toBeGreaterThanOrEqual(1);
    const exits = alive.map((w) => new Promise<number | null>((res) => w.child.once('exit', (code) => res(code))));
    for (const w of alive) w.child.kill('SIGTERM');
    expect(await Promise.all(exits)).toEqual(alive.map(() => 0));
  }, 30_000);
});

