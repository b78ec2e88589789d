// The fuzz command: `npm run fuzz -- --parser png --count 100000 --seed 1 [--workers 2]`.
// Inputs run in a pool of worker processes; the parent kills a worker whose input runs past the
// time limit and reports that index. `--index i` reruns one input here and prints its outcome.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { execute, generateInput, rssBound, scratch, type Outcome } from './lib/execute';
import type { BatchMessage } from './lib/worker';
import { TARGETS } from './targets';

/** Options of {@link runFuzz}. */
export interface FuzzOptions {
  /** Parsers to run; default all. */
  readonly parsers?: readonly string[];
  /** Inputs per parser (a parser's entry in `counts` wins). */
  readonly count: number;
  readonly counts?: Readonly<Record<string, number>>;
  readonly seed?: number;
  readonly workers?: number;
  /** Per-input limit of the worker's CPU time (user + system) in ms; default 5000. */
  readonly timeLimitMs?: number;
  /**
   * Per-input wall-clock backstop in ms (an input waiting without using CPU); default 60,000. On a
   * shared machine a low-priority worker can wait seconds for a core, so the limit is CPU time.
   */
  readonly wallLimitMs?: number;
  /** Inputs per batch sent to a worker; default 200. */
  readonly batch?: number;
  /** Called with a line of progress now and then. */
  readonly log?: (line: string) => void;
}

/** A failure: its parser and index (regenerate it with `--parser P --index I`). */
export interface Failure {
  readonly parser: string;
  readonly index: number;
  readonly code: string;
}

/** Per-parser figures. */
export interface ParserSummary {
  inputs: number;
  accept: number;
  reject: number;
  failure: number;
  /** Outcome codes: `accept`, RobustError codes, `CliError`, failure descriptions. */
  codes: Record<string, number>;
  /** Per-reader outcomes for targets that run several readers. */
  tags: Record<string, number>;
  /** Longest first parse of an input: wall clock (inflated when the machine is busy) and CPU. */
  maxMs: number;
  maxCpuMs: number;
  maxCpuMsIndex: number;
  maxMsIndex: number;
  maxRssDeltaMiB: number;
  maxRssDeltaIndex: number;
  /** Largest ratio of an input's RSS delta to its bound (must stay below 1). */
  maxRssOverBound: number;
  maxInputBytes: number;
  meanInputBytes: number;
  /** Sum of the first-run times of the inputs, seconds. */
  cpuSeconds: number;
  /** Seconds from this parser's first result to its last (parsers run one after another). */
  wallSeconds: number;
  failures: Failure[];
}

/** What {@link runFuzz} returns. */
export interface FuzzSummary {
  seed: number;
  workers: number;
  timeLimitMs: number;
  timeMethod: string;
  rssBound: string;
  rssMethod: string;
  wallSeconds: number;
  /** Highest VmHWM of any worker process, MiB. */
  maxWorkerPeakMiB: number;
  parsers: Record<string, ParserSummary>;
  failures: Failure[];
}

const WORKER = fileURLToPath(new URL('./lib/worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

function emptySummary(): ParserSummary {
  return {
    inputs: 0,
    accept: 0,
    reject: 0,
    failure: 0,
    codes: {},
    tags: {},
    maxMs: 0,
    maxCpuMs: 0,
    maxCpuMsIndex: -1,
    maxMsIndex: -1,
    maxRssDeltaMiB: 0,
    maxRssDeltaIndex: -1,
    maxRssOverBound: 0,
    maxInputBytes: 0,
    meanInputBytes: 0,
    cpuSeconds: 0,
    wallSeconds: 0,
    failures: [],
  };
}

/** CPU time (user + system, all threads) a process has used, in ms, from /proc/<pid>/stat. */
function cpuMsOf(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Clock ticks per second of /proc (USER_HZ, 100 on Linux). */
const CLOCK_TICKS = 100;

function vmHwm(pid: number | undefined): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs the fuzz inputs in worker processes and summarises them. */
export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const parsers = options.parsers ?? Object.keys(TARGETS);
  for (const p of parsers)
    if (!(p in TARGETS))
      throw new Error(`unknown parser '${p}'; known: ${Object.keys(TARGETS).join(', ')}`);
  const seed = options.seed ?? 1;
  const timeLimit = options.timeLimitMs ?? 5000;
  const wallLimit = options.wallLimitMs ?? 60_000;
  const batch = options.batch ?? 200;
  const log = options.log ?? (() => undefined);
  const queue: BatchMessage[] = [];
  const sums: Record<string, ParserSummary> = {};
  for (const parser of parsers) {
    sums[parser] = emptySummary();
    const n = options.counts?.[parser] ?? options.count;
    for (let start = 0; start < n; start += batch)
      queue.push({ parser, seed, start, end: Math.min(n, start + batch) });
  }
  const total = queue.reduce((s, b) => s + b.end - b.start, 0);
  let doneInputs = 0;
  let maxWorkerPeak = 0;
  const failures: Failure[] = [];
  const firstAt: Record<string, number> = {};
  const t0 = Date.now();

  const record = (parser: string, o: Outcome): void => {
    const s = sums[parser] as ParserSummary;
    s.inputs++;
    doneInputs++;
    s[o.kind]++;
    s.codes[o.code] = (s.codes[o.code] ?? 0) + 1;
    for (const t of o.tags ?? []) s.tags[t] = (s.tags[t] ?? 0) + 1;
    if (o.ms > s.maxMs) [s.maxMs, s.maxMsIndex] = [o.ms, o.index];
    if ((o.cpuMs ?? 0) > s.maxCpuMs) [s.maxCpuMs, s.maxCpuMsIndex] = [o.cpuMs ?? 0, o.index];
    if (o.rssDelta / 2 ** 20 > s.maxRssDeltaMiB)
      [s.maxRssDeltaMiB, s.maxRssDeltaIndex] = [o.rssDelta / 2 ** 20, o.index];
    s.maxRssOverBound = Math.max(s.maxRssOverBound, o.rssDelta / rssBound(o.size));
    s.maxInputBytes = Math.max(s.maxInputBytes, o.size);
    s.meanInputBytes += (o.size - s.meanInputBytes) / s.inputs;
    s.cpuSeconds += o.ms / 1000;
    const now = (Date.now() - t0) / 1000;
    firstAt[parser] ??= now;
    s.wallSeconds = now - (firstAt[parser] as number);
    if (o.kind === 'failure') {
      const f = { parser, index: o.index, code: o.code };
      s.failures.push(f);
      failures.push(f);
      log(`FAILURE ${parser} --index ${o.index}: ${o.code}`);
    }
  };

  const runWorker = async (): Promise<void> => {
    while (queue.length > 0) {
      const tmp = mkdtempSync(join(scratch(), 'robustjs-fuzz-'));
      const child: ChildProcess = fork(WORKER, [], {
        cwd: ROOT,
        execArgv: ['--conditions=@robustjs/source', '--import', 'tsx'],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
        env: { ...process.env, FUZZ_TMP: tmp },
      });
      let stderr = '';
      child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      let ready = false;
      // One batch after another until the queue is empty or the worker dies.
      const alive = await new Promise<boolean>((resolve) => {
        let current: BatchMessage | undefined;
        let next = 0;
        let last = Date.now();
        let lastCpu = cpuMsOf(child.pid);
        const timer = setInterval(() => {
          if (current === undefined) return;
          const cpu = cpuMsOf(child.pid) - lastCpu;
          const wall = Date.now() - last;
          if (cpu > timeLimit || wall > wallLimit) {
            record(current.parser, {
              index: next,
              kind: 'failure',
              code: `timeout: ${cpu.toFixed(0)} ms of CPU, ${wall} ms of wall time`,
              ms: wall,
              rssDelta: -1,
              size: 0,
            });
            queue.unshift({ ...current, start: next + 1 });
            current = undefined;
            child.kill('SIGKILL');
          }
        }, 100);
        const take = (): void => {
          current = queue.shift();
          if (current === undefined) {
            clearInterval(timer);
            child.send('exit');
            resolve(true);
            return;
          }
          if (current.start >= current.end) return take();
          next = current.start;
          last = Date.now();
          lastCpu = cpuMsOf(child.pid);
          child.send(current);
        };
        child.on('message', (m: { type: string; outcome?: Outcome }) => {
          last = Date.now();
          lastCpu = cpuMsOf(child.pid);
          if (m.type === 'ready') {
            ready = true;
            take();
          } else if (m.type === 'result' && current !== undefined && m.outcome) {
            record(current.parser, m.outcome);
            next = m.outcome.index + 1;
            if (doneInputs % 5000 === 0)
              log(`${doneInputs}/${total} inputs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
          } else if (m.type === 'done') {
            maxWorkerPeak = Math.max(maxWorkerPeak, vmHwm(child.pid));
            take();
          }
        });
        child.once('exit', (code, signal) => {
          clearInterval(timer);
          if (current !== undefined) {
            const why = ready
              ? `crash: worker exited (${signal ?? code}) ${stderr.trim().split('\n').pop() ?? ''}`
              : `worker failed to start: ${stderr}`;
            if (!ready) throw new Error(why);
            record(current.parser, {
              index: next,
              kind: 'failure',
              code: why,
              ms: 0,
              rssDelta: -1,
              size: 0,
            });
            queue.unshift({ ...current, start: next + 1 });
          }
          resolve(false);
        });
      });
      await exited;
      rmSync(tmp, { recursive: true, force: true });
      if (alive && queue.length === 0) return;
    }
  };
  await Promise.all(Array.from({ length: options.workers ?? 2 }, runWorker));
  return {
    seed,
    workers: options.workers ?? 2,
    timeLimitMs: timeLimit,
    timeMethod:
      'the parent kills a worker whose CPU time (user + system, /proc/<pid>/stat) on one input ' +
      `passes ${timeLimit} ms, or whose input runs ${wallLimit} ms of wall time`,
    rssBound: '64 MiB + 4 × input bytes, above the RSS before the input',
    rssMethod:
      'per input, in the worker: write 5 to /proc/self/clear_refs (resets VmHWM), run, ' +
      'VmHWM − VmRSS before',
    wallSeconds: (Date.now() - t0) / 1000,
    maxWorkerPeakMiB: maxWorkerPeak,
    parsers: sums,
    failures,
  };
}

/** Reruns input `index` of `parser` in this process; prints the outcome and the error's stack. */
async function runOne(parser: string, seed: number, index: number, write?: string): Promise<void> {
  const target = TARGETS[parser];
  if (target === undefined) throw new Error(`unknown parser '${parser}'`);
  await tf.setBackend('cpu');
  const ctx = { tmp: mkdtempSync(join(scratch(), 'robustjs-fuzz-one-')) };
  const input = await generateInput(target, await target.seeds(ctx), seed, index, ctx);
  if (write !== undefined) {
    mkdirSync(write, { recursive: true });
    input.forEach((p, i) => writeFileSync(join(write, `part${i}`), p));
  }
  const { error, ...o } = await execute(target, input, index, ctx);
  rmSync(ctx.tmp, { recursive: true, force: true });
  console.log(JSON.stringify(o));
  if (error !== undefined) console.log(error);
}

function flags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}'`);
    out.set(a.slice(2), argv[i + 1] ?? '');
    i++;
  }
  return out;
}

async function main(): Promise<void> {
  const f = flags(process.argv.slice(2));
  const seed = Number(f.get('seed') ?? 1);
  const parsers =
    f.get('parser') === undefined || f.get('parser') === 'all'
      ? undefined
      : (f.get('parser') as string).split(',');
  if (f.has('index'))
    return runOne(parsers?.[0] ?? '', seed, Number(f.get('index')), f.get('write'));
  const counts: Record<string, number> = {};
  for (const [k, v] of f) if (k.startsWith('count-')) counts[k.slice(6)] = Number(v);
  const summary = await runFuzz({
    parsers,
    seed,
    count: Number(f.get('count') ?? 1000),
    counts,
    workers: Number(f.get('workers') ?? 2),
    log: (line) => console.error(line),
  });
  const out = f.get('summary');
  if (out !== undefined) {
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(summary, null, 2)}\n`);
  }
  for (const [p, s] of Object.entries(summary.parsers)) {
    console.log(
      `${p.padEnd(12)} ${String(s.inputs).padStart(7)} inputs: ${s.accept} accept, ${
        s.reject
      } reject, ${s.failure} FAILURE; ` +
        `max ${s.maxCpuMs.toFixed(0)} ms CPU (#${
          s.maxCpuMsIndex
        }), max RSS +${s.maxRssDeltaMiB.toFixed(1)} MiB (#${s.maxRssDeltaIndex})`,
    );
  }
  console.log(`wall ${summary.wallSeconds.toFixed(0)} s, ${summary.failures.length} failures`);
  if (summary.failures.length > 0) process.exitCode = 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(2);
  });
}
