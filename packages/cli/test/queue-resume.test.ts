import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, parseProtocol, protocolHash, runCli, runStatus, type Report, type RunStatus } from '../src/index';
import { captureIo, protocolFile, tempDir, tinyUnetFile } from './helpers';
import { freePort, records, REDIS, ROOT, until } from './queueHelpers';

// Resubmitting a run (`submit --run <id>` again) and Redis going away mid-run. Needs redis-server like queue.test.ts.
const CI = process.env.CI === 'true';
// 8 images in batches of 2: 4 batches, 2 per shard, × 2 defenses: 4 checkpoints per shard, a fraction of a second each.
const PROTOCOL = {
  images: 8, batchSize: 2, chunkSize: 2, examples: 2, seed: 5,
  attack: { steps: 20, eot: 2 },
  defenses: [{ name: 'none' }, { name: 'diffpure', t: 30, steps: 3, surrogateSteps: 2 }],
};

const counts = (line: string | undefined): [number, number] => {
  const [, restored, computed] = /(\d+) defense batches restored from checkpoints, (\d+) computed/.exec(line ?? '') ?? [];
  return [Number(restored), Number(computed)];
};

describe.skipIf(REDIS === undefined && !CI)('submit resumes a run; a worker survives a Redis restart', () => {
  let dir = '';
  let file = '';
  let port = 0;
  let url = '';
  let hashDir = '';
  let redisServer: ChildProcess | undefined;
  let redis: Redis | undefined;
  const workers: { child: ChildProcess; stderr: string }[] = [];

  const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
    const io = captureIo();
    const code = await runCli(args, io);
    return { code, out: io.out(), err: io.err() };
  };
  const startRedis = async (): Promise<void> => {
    redisServer = spawn(REDIS as string, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    redis = await until('redis-server', () => connectRedis(url).catch(() => undefined), 10_000);
  };
  const startWorker = (): { child: ChildProcess; stderr: string } => {
    const child = spawn(process.execPath, ['--conditions=@robustjs/source', '--import', 'tsx', 'packages/cli/src/bin.ts', 'worker',
      '--redis', url, '--backend', 'wasm', '--lock-duration', '6000', '--stalled-interval', '1000'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    const w = { child, stderr: '' };
    child.stderr?.on('data', (d: Buffer) => {
      w.stderr += d.toString();
    });
    workers.push(w);
    return w;
  };
  const finished = (run: string): Promise<RunStatus> => until('the merge', async () => {
    const s = await runStatus(redis as Redis, run);
    if (s.merge.state === 'failed') return s;
    return s.merge.state === 'completed' ? s : undefined;
  }, 90_000, 200);
  const read = (d: string): Report => JSON.parse(readFileSync(join(d, 'report.json'), 'utf8')) as Report;

  beforeAll(async () => {
    if (REDIS === undefined) throw new Error('queue-resume.test.ts needs redis-server (apt-get install redis-server); CI=true, so it is not skipped.');
    dir = tempDir();
    const unet = await tinyUnetFile(dir);
    file = protocolFile(dir, { ...PROTOCOL, models: { unet } });
    hashDir = join(dir, 'ckpt', protocolHash(parseProtocol(JSON.parse(readFileSync(file, 'utf8')), file)));
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    await startRedis();
    startWorker();
    const single = await cli(['eval', file, '--backend', 'wasm', '--quiet', '--out', join(dir, 'single')]);
    expect(single.code, single.err).toBe(0);
  }, 120_000);

  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGKILL');
    await redis?.quit().catch(() => {});
    redisServer?.kill('SIGKILL');
  });

  it('a failed shard: rerunning submit with the same id keeps the done shard, retries the failed one, merges once', async () => {
    // shard 1 fails at its last batch: a corrupt checkpoint of diffpure's batch 3
    mkdirSync(hashDir, { recursive: true });
    const corrupt = join(hashDir, '1-3.json');
    writeFileSync(corrupt, 'not json');
    const args = ['submit', file, '--shards', '2', '--redis', url, '--run', 'again', '--out', join(dir, 'out'), '--checkpoints', join(dir, 'ckpt'), '--attempts', '1'];
    expect(await cli(args)).toMatchObject({ code: 0, out: 'again\n' });
    const failed = await finished('again');
    expect(failed.merge.state).toBe('failed');
    expect(failed.shards.map((s) => s.state)).toEqual(['completed', 'failed']);
    expect(failed.shards[1]?.failedReason).toContain('1-3.json');
    const shard0Files = ['0-0', '0-1', '1-0', '1-1'].map((b) => statSync(join(hashDir, `${b}.json`)).mtimeMs);

    // another protocol under the same id: a usage error
    const other = await cli([...args, '--seed', '6']);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/^robustjs: error: Run 'again' is in the queue with protocol hash [0-9a-f]{12}, not [0-9a-f]{12} .*\n$/);

    rmSync(corrupt); // the cause fixed
    const rerun = await cli(args);
    expect(rerun).toMatchObject({ code: 0, out: 'again\n', err: 'run again: resumed: 1 shards done, 1 retried, 0 pending\n' });
    const done = await finished('again');
    expect(done.merge.state).toBe('completed');
    expect(done.counts).toMatchObject({ done: 2, failed: 0 });
    // shard 0 was not run again (one attempt, one log line, its checkpoints untouched); shard 1 recomputed only batch 3
    expect(done.shards[0]?.attempts).toBe(1);
    expect(done.shards[0]?.log).toHaveLength(1);
    expect(['0-0', '0-1', '1-0', '1-1'].map((b) => statSync(join(hashDir, `${b}.json`)).mtimeMs)).toEqual(shard0Files);
    expect(counts(done.shards[1]?.log.at(-1))).toEqual([3, 1]);
    expect(records(read(join(dir, 'out')))).toEqual(records(read(join(dir, 'single'))));

    const again = await cli(args); // a finished run: nothing to do
    expect(again).toMatchObject({ code: 0, err: 'run again: already complete, nothing to resume: 2 shards done, 0 retried, 0 pending\n' });
  }, 120_000);

  it('Redis restarted mid-run (its data lost): the worker reconnects, and a rerun of submit resumes from the checkpoints', async () => {
    rmSync(hashDir, { recursive: true, force: true });
    const args = ['submit', file, '--shards', '1', '--redis', url, '--run', 'restart', '--out', join(dir, 'out2'), '--checkpoints', join(dir, 'ckpt')];
    expect(await cli(args)).toMatchObject({ code: 0, out: 'restart\n' });
    await until('a first checkpoint', () => (existsSync(hashDir) && readdirSync(hashDir).length > 0 ? true : undefined), 60_000, 20);
    await redis?.quit().catch(() => {});
    redisServer?.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await startRedis(); // empty: no persistence
    const w = workers[0] as { stderr: string };
    await until('the reconnect', () => (/reconnected to Redis/.test(w.stderr) ? true : undefined), 20_000);
    expect(w.stderr).toMatch(/lost the connection to Redis; reconnecting/);
    expect((await cli(['status', 'restart', '--redis', url])).code).toBe(2); // the queue forgot the run
    expect(await cli(args)).toMatchObject({ code: 0, out: 'restart\n', err: '' }); // resubmitted as new
    const done = await finished('restart');
    expect(done.merge.state).toBe('completed');
    const [restored, computed] = counts(done.shards[0]?.log.at(-1));
    expect(restored).toBeGreaterThanOrEqual(1);
    expect(restored + computed).toBe(8);
    expect(records(read(join(dir, 'out2')))).toEqual(records(read(join(dir, 'single'))));
  }, 120_000);
});
