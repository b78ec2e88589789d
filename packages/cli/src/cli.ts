import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Argument, Command, CommanderError, Option } from 'commander';
import { initBackend, type BackendName } from '@robustjs/core';
import { assertWritableOut } from './assertWritableOut';
import { COMPLETION_SHELLS, completionScript, type CompletionShell } from './commands/completion';
import { trainCommand, trainScriptsRoot, TRAIN_TARGETS } from './commands/train';
import { fileCheckpoints } from './checkpoint/fileCheckpoints';
import { protocolHash } from './checkpoint/protocolHash';
import { createRunContext } from './context';
import { CliError, describeFailure, EXIT_OK, EXIT_USAGE } from './errors';
import { evaluateProtocol } from './evaluate';
import { epsFlag, intFlag, withDefault } from './flags';
import { epsBound } from './threatModel';
import type { ProgressSink } from './progress';
import {
  DEMO_FULL_PROTOCOL, DEMO_PROTOCOL, parseProtocol, PROTOCOL_DEFAULTS, type Protocol,
} from './protocol';
import { connectRedis } from './queue/connectRedis';
import { formatStatus, runStatus } from './queue/runStatus';
import { startWorker } from './queue/startWorker';
import { formatResume, submitRun } from './queue/submitRun';
import { mergeReports } from './report/merge';
import { renderTable } from './report/table';
import type { Report } from './report/types';
import { writeReport } from './report/writeReport';

/** Where a CLI run writes: stdout for results, stderr for progress and errors. */
export interface CliIo {
  /** Results: the table, or JSON with `--json`. */
  readonly stdout: ProgressSink;
  /** Progress bars and error lines. */
  readonly stderr: ProgressSink;
}

interface CommonFlags {
  backend?: string;
  seed?: string;
  images?: string;
  out: string;
  json?: boolean;
  quiet?: boolean;
  unet?: string;
  dad?: string;
}

const BACKENDS = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** The default backend, in words (initBackend's order of preference). */
const AUTO_BACKEND = 'the first that starts of tfjs-node-gpu, tfjs-node, wasm + oneDNN, cpu';
/** The zoo's model files, in words. */
const ZOO_UNET = "@robustjs/zoo's models/unet/unet.safetensors";
const ZOO_DAD = "@robustjs/zoo's models/dad";

/** `--redis`, in every queue command. */
const REDIS_HELP = 'Redis URL, e.g. redis://127.0.0.1:6379 (required, no default)';

/** The flags of `robustjs attack`. */
type AttackFlags = CommonFlags & {
  defense: string; norm: 'linf' | 'l2';
  eps?: string; steps?: string; eot?: string; restarts?: string;
};

/** The defaults of `--seed` and `--images`, in words (a preset's, or the protocol file's). */
interface RunDefaults {
  readonly seed: string | number;
  readonly images: string | number;
}

function withCommonOptions(cmd: Command, defaultOut: string, defaults: RunDefaults): Command {
  return cmd
    .addOption(new Option('--backend <name>', withDefault('tfjs backend', AUTO_BACKEND))
      .choices(BACKENDS))
    .option('--seed <n>', withDefault(
      'master seed (images, attack starts, EOT draws, purifier noise), ≥ 0', defaults.seed))
    .option('--images <n>', withDefault('number of evaluation images, 1 … 7000', defaults.images))
    .option('--out <dir>', 'output folder for report.json and report.html', defaultOut)
    .option('--json', withDefault('print summary and protocol as JSON instead of the table', false))
    .option('--quiet', withDefault('no progress bars on stderr', false))
    .option('--unet <file>', withDefault('diffusion UNet (.safetensors)', ZOO_UNET))
    .option('--dad <dir>', withDefault("DAD's folder (detector, denoiser, manifest)", ZOO_DAD));
}

/** `--seed`: any safe integer ≥ 0. */
const SEED_RANGE = { min: 0 } as const;

/** `--images`: at least 1, at most the 7000 evaluation rows after the protocol's offset. */
function imagesRange(offset: number): { min: number; max: number; why: string } {
  const why = `offset ${offset} + images ≤ 7000: the rest of the test split is held out`;
  return { min: 1, max: 7000 - offset, why };
}

/** Applies `--images`, `--seed`, `--unet`, `--dad`; with `singleBatch` (the demo presets) the batch grows with the image count. */
function applyFlags(protocol: Protocol, flags: CommonFlags, singleBatch = false): Protocol {
  const images = intFlag(flags.images, 'images', imagesRange(protocol.offset));
  const seed = intFlag(flags.seed, 'seed', SEED_RANGE);
  const models = { ...protocol.models, ...(flags.unet === undefined ? {} : { unet: resolve(flags.unet) }), ...(flags.dad === undefined ? {} : { dad: resolve(flags.dad) }) };
  const out = { ...protocol, models, ...(seed === undefined ? {} : { seed }) };
  if (images === undefined) return out;
  // the demo presets are one batch; a protocol file keeps its batch size unless the images are fewer
  return { ...out, images, batchSize: singleBatch ? images : Math.min(protocol.batchSize, images) };
}

/** Starts the backend; `key` names it with the native kernels (`wasm+native`), the identity checkpoints are kept under. */
async function startBackend(flags: { backend?: string; quiet?: boolean }, io: CliIo): Promise<{ native: boolean; key: string }> {
  const info = await initBackend(flags.backend as BackendName | undefined);
  const native = info.tried.some((t) => t.name === 'native' && t.ok);
  if (flags.quiet !== true) io.stderr.write(`backend: ${info.name}${native ? ' + native oneDNN kernels' : ''}\n`);
  return { native, key: `${info.name}${native ? '+native' : ''}` };
}

function printResult(report: Report, files: readonly string[], flags: CommonFlags, io: CliIo): void {
  if (flags.json === true) {
    const { summary, protocol, environment, skipped, shard } = report;
    io.stdout.write(`${JSON.stringify({ summary, protocol, environment, skipped, shard, files }, null, 1)}\n`);
  } else {
    io.stdout.write(renderTable(report));
    io.stdout.write(`Wrote ${files.join(', ')}\n`);
  }
}

/** The files of an unsharded report (see writeReport). */
const REPORT_FILES = ['report.json', 'report.html'] as const;

interface RunOptions {
  readonly skipMissing?: boolean;
  /** `--data`: the data set's folder. */
  readonly data?: string;
  readonly shard?: { index: number; count: number };
  readonly checkpoints?: string;
}

async function runProtocol(protocol: Protocol, flags: CommonFlags, io: CliIo, options: RunOptions): Promise<number> {
  // an unwritable --out fails now, not after the whole evaluation
  const { shard } = options;
  await assertWritableOut(resolve(flags.out), shard === undefined ? REPORT_FILES : [`report.shard-${shard.index}-of-${shard.count}.json`]);
  const { native, key } = await startBackend(flags, io);
  const progress = flags.quiet === true ? undefined : io.stderr;
  const { checkpoints, data, ...rest } = options;
  const context = await createRunContext(protocol, { progress, data });
  const report = await evaluateProtocol(protocol, context, {
    ...rest, native, ...(checkpoints === undefined ? {} : { checkpoints: fileCheckpoints(checkpoints, protocol, key) }),
  });
  const files = await writeReport(report, resolve(flags.out));
  printResult(report, files, flags, io);
  return EXIT_OK;
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`${what} '${path}' cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new CliError(`${what} '${path}' is not valid JSON: ${(e as Error).message}.`);
  }
}

/** Resolves after SIGINT or SIGTERM once `close(false)` finished; a second signal calls `close(true)` (stop at once). */
function untilSignal(close: (force: boolean) => Promise<void>): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    let closing = false;
    const onSignal = (): void => {
      if (closing) {
        close(true).catch(() => {});
        return;
      }
      closing = true;
      close(false).then(() => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        resolvePromise();
      }, reject);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** `--quick`: a smoke-test version of the demo protocol (16 images, 3 attack steps, EOT 1). */
const QUICK = { images: 16, batchSize: 16, examples: 4, attack: { ...DEMO_PROTOCOL.attack, steps: 3, eot: 1 } } as const;

function buildProgram(io: CliIo, done: (code: number) => void): Command {
  const program = new Command('robustjs')
    .description('Adversarial robustness on TensorFlow.js: evaluate DiffPure, SSNI, GDMP, GNS and DAD under adaptive attacks.')
    .version('0.1.0')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s), outputError: () => {} })
    .showSuggestionAfterError(true);

  const demoImages =
    `${DEMO_PROTOCOL.images} (--quick ${QUICK.images}, --full ${DEMO_FULL_PROTOCOL.images})`;
  const demoDefaults = { seed: DEMO_PROTOCOL.seed, images: demoImages };
  withCommonOptions(program.command('demo'), 'robustjs-report', demoDefaults)
    .description('Evaluate every defense on the same Fashion-MNIST test images with its adaptive attack; print the table and write report.json + report.html (no network).')
    .option('--quick', withDefault('a smoke-test budget: 16 images, 3 attack steps, EOT 1', false))
    .option('--full', withDefault('the larger budget: 64 images, EOT 2, 5-step DiffPure ' +
      'surrogate, GDMP and GNS also with SSNI-N (30–60 min on 2 cores)', false))
    .action(async (flags: CommonFlags & { quick?: boolean; full?: boolean }) => {
      if (flags.quick === true && flags.full === true) throw new CliError("Options '--quick' and '--full' exclude each other.");
      const base: Protocol = flags.quick === true ? { ...DEMO_PROTOCOL, ...QUICK } : flags.full === true ? DEMO_FULL_PROTOCOL : DEMO_PROTOCOL;
      done(await runProtocol(applyFlags(base, flags, true), flags, io, { skipMissing: true }));
    });

  const fromFile = (field: 'seed' | 'images'): string =>
    `the protocol's ${field}, else ${PROTOCOL_DEFAULTS[field]}`;
  const fileDefaults = { seed: fromFile('seed'), images: fromFile('images') };
  withCommonOptions(program.command('eval'), 'robustjs-report', fileDefaults)
    .description('Evaluate the defenses × attack of a protocol JSON file; with --shard i/n only that share of the batches (a partial report for `merge`).')
    .argument('<protocol>', 'protocol JSON file')
    .option('--shard <i/n>',
      withDefault('run shard i of n (0-based): contiguous whole batches', 'the whole protocol'))
    .option('--checkpoints <dir>', withDefault('keep every finished batch in <dir>/<protocol ' +
      'hash>/<position>-<batch>.json; a rerun recomputes only missing batches', 'none kept'))
    .option('--data <dir>', withDefault("the data set's folder (CIFAR-10: cifar-10-batches-bin or " +
      'its parent)', '$ROBUSTJS_DATA, then (Fashion-MNIST) the embedded test split'))
    .action(async (file: string, flags: CommonFlags & { shard?: string; checkpoints?: string; data?: string }) => {
      const protocol = applyFlags(parseProtocol(await readJson(file, 'Protocol file'), file), flags);
      let shard: { index: number; count: number } | undefined;
      if (flags.shard !== undefined) {
        const m = /^(\d+)\/(\d+)$/.exec(flags.shard);
        if (m === null || Number(m[2]) < 1 || Number(m[1]) >= Number(m[2])) throw new CliError(`Option '--shard' must be i/n with 0 ≤ i < n, got '${flags.shard}'.`);
        shard = { index: Number(m[1]), count: Number(m[2]) };
      }
      done(await runProtocol(protocol, flags, io, {
        ...(shard === undefined ? {} : { shard }), ...(flags.checkpoints === undefined ? {} : { checkpoints: flags.checkpoints }),
        ...(flags.data === undefined ? {} : { data: flags.data }),
      }));
    });

  program.command('merge')
    .description('Combine the partial reports of `eval --shard i/n` into one report (report.json + report.html), identical in its numbers to an unsharded run.')
    .argument('<partials...>', 'report.shard-<i>-of-<n>.json files')
    .option('--out <dir>', 'output folder', 'robustjs-report')
    .option('--json', withDefault('print the summary as JSON', false))
    .option('--partial', withDefault('merge the finished shards of a run in progress (numbers cover their images only)', false))
    .action(async (files: string[], flags: { out: string; json?: boolean; partial?: boolean }) => {
      await assertWritableOut(resolve(flags.out), REPORT_FILES);
      const parts = await Promise.all(files.map((f) => readJson(f, 'Partial report')));
      const report = mergeReports(parts, files, { partial: flags.partial === true });
      const written = await writeReport(report, resolve(flags.out));
      printResult(report, written, { ...flags }, io);
      done(EXIT_OK);
    });

  program.command('submit')
    .description('Put a protocol on a BullMQ queue (Redis) as a flow: one job per shard and a merge job that writes report.json + report.html; prints the run id.')
    .argument('<protocol>', 'protocol JSON file')
    .requiredOption('--shards <n>',
      'number of shards (contiguous whole batches), ≥ 1 (required, no default)')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option('--run <id>', withDefault('run id (letters, digits, . _ -); an id in the queue with ' +
      'the same protocol resumes that run', 'a fresh one'))
    .option('--out <dir>', 'folder for report.json and report.html, reachable by the workers', 'robustjs-report')
    .option('--checkpoints <dir>',
      withDefault('checkpoint folder reachable by every worker', '<out>/checkpoints'))
    .option('--attempts <n>', 'attempts per shard (crashes and failures), ≥ 1', '3')
    .option('--backoff <ms>', 'first retry delay in ms, doubled per attempt, ≥ 0', '5000')
    .option('--seed <n>', withDefault('master seed, ≥ 0', fromFile('seed')))
    .option('--images <n>', withDefault('evaluation images, 1 … 7000', fromFile('images')))
    .option('--unet <file>',
      withDefault('diffusion UNet (.safetensors), as workers see the path', ZOO_UNET))
    .option('--dad <dir>', withDefault("DAD's folder, as workers see the path", ZOO_DAD))
    .option('--json', withDefault('print { run, shards, protocolHash } as JSON', false))
    .action(async (file: string, flags: CommonFlags & { shards: string; redis: string; run?: string; checkpoints?: string; attempts: string; backoff: string }) => {
      const shards = intFlag(flags.shards, 'shards', { min: 1 }) as number;
      const attempts = intFlag(flags.attempts, 'attempts', { min: 1 }) as number;
      const backoffMs = intFlag(flags.backoff, 'backoff', { min: 0 }) as number;
      const protocol = applyFlags(parseProtocol(await readJson(file, 'Protocol file'), file), flags);
      const out = resolve(flags.out);
      const redis = await connectRedis(flags.redis);
      try {
        const run = await submitRun(redis, {
          protocol, shards, out, checkpoints: resolve(flags.checkpoints ?? join(out, 'checkpoints')), attempts, backoffMs,
          ...(flags.run === undefined ? {} : { run: flags.run }),
          onResume: (summary) => io.stderr.write(formatResume(summary)),
        });
        io.stdout.write(flags.json === true ? `${JSON.stringify({ run, shards, protocolHash: protocolHash(protocol) })}\n` : `${run}\n`);
      } finally {
        await redis.quit();
      }
      done(EXIT_OK);
    });

  program.command('worker')
    .description('Process shard and merge jobs of submitted runs until SIGINT/SIGTERM (a second signal stops at once; the shard resumes from its checkpoints elsewhere).')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option('--concurrency <n>', 'shard jobs at once in this process (one backend), ≥ 1', '1')
    .option('--checkpoints <dir>', withDefault('checkpoint folder on this machine', "the job's"))
    .addOption(new Option('--backend <name>', withDefault('tfjs backend of this worker (one per ' +
      'process; pin the device with e.g. CUDA_VISIBLE_DEVICES)', AUTO_BACKEND)).choices(BACKENDS))
    .option('--lock-duration <ms>', 'job lock in ms, ≥ 1000; must exceed the longest batch (a ' +
      "dead worker's shard is retried after lock + stalled interval)", '300000')
    .option('--stalled-interval <ms>',
      'how often to look for shards of dead workers, in ms, ≥ 100', '30000')
    .option('--quiet', withDefault('no progress or job lines on stderr', false))
    .action(async (flags: { redis: string; concurrency: string; checkpoints?: string; backend?: string; lockDuration: string; stalledInterval: string; quiet?: boolean }) => {
      const concurrency = intFlag(flags.concurrency, 'concurrency', { min: 1 }) as number;
      const lockDurationMs = intFlag(flags.lockDuration, 'lock-duration', { min: 1000 }) as number;
      const stalledIntervalMs =
        intFlag(flags.stalledInterval, 'stalled-interval', { min: 100 }) as number;
      const redis = await connectRedis(flags.redis, { blocking: true });
      const { native, key } = await startBackend(flags, io);
      const progress = flags.quiet === true ? undefined : io.stderr;
      const worker = startWorker(redis, {
        backend: key, native, progress, concurrency, lockDurationMs, stalledIntervalMs,
        ...(flags.checkpoints === undefined ? {} : { checkpoints: resolve(flags.checkpoints) }),
      });
      progress?.write(`worker ${worker.name}: waiting for jobs on ${flags.redis}\n`);
      await untilSignal((force) => worker.close(force));
      await redis.quit();
      done(EXIT_OK);
    });

  program.command('status')
    .description('Shards of a submitted run: done, running, failed, retried, with progress; and the merge.')
    .argument('<run>', 'the run id submit printed')
    .requiredOption('--redis <url>', REDIS_HELP)
    .option('--json', withDefault('print the status as JSON', false))
    .action(async (run: string, flags: { redis: string; json?: boolean }) => {
      const redis = await connectRedis(flags.redis);
      try {
        const status = await runStatus(redis, run);
        io.stdout.write(flags.json === true ? `${JSON.stringify(status, null, 1)}\n` : formatStatus(status));
      } finally {
        await redis.quit();
      }
      done(EXIT_OK);
    });

  const a = DEMO_PROTOCOL.attack;
  const defenseNames = ['none', 'diffpure', 'ssni-l', 'ssni-n', 'gdmp', 'gns', 'dad'];
  const attackDefaults = { seed: DEMO_PROTOCOL.seed, images: DEMO_PROTOCOL.images };
  withCommonOptions(program.command('attack'), 'robustjs-report', attackDefaults)
    .description("Attack one defense of the demo protocol with its adaptive attack and report clean and robust accuracy.")
    .addOption(new Option('--defense <name>', 'the defense').choices(defenseNames)
      .default('diffpure'))
    .option('--eps <x>', withDefault('budget ε, a number or a fraction such as 8/255: in (0, 1] ' +
      `for linf, (0, ${epsBound('l2')}] for l2 on Fashion-MNIST`, a.eps))
    .option('--steps <n>', withDefault('attack iterations, ≥ 1', a.steps))
    .option('--eot <n>', withDefault('EOT samples per gradient, ≥ 1', a.eot))
    .option('--restarts <n>', withDefault('random restarts, ≥ 1', a.restarts))
    .addOption(new Option('--norm <norm>', 'threat model').choices(['linf', 'l2']).default(a.norm))
    .action(async (flags: AttackFlags) => {
      const spec = DEMO_PROTOCOL.defenses[defenseNames.indexOf(flags.defense)];
      if (spec === undefined) {
        const known = defenseNames.join(', ');
        throw new CliError(`Option '--defense' must be one of ${known}, got '${flags.defense}'.`);
      }
      const attack = {
        ...a,
        norm: flags.norm,
        eps: epsFlag(flags.eps, flags.norm) ?? a.eps,
        steps: intFlag(flags.steps, 'steps', { min: 1 }) ?? a.steps,
        eot: intFlag(flags.eot, 'eot', { min: 1 }) ?? a.eot,
        restarts: intFlag(flags.restarts, 'restarts', { min: 1 }) ?? a.restarts,
      };
      done(await runProtocol(applyFlags({ ...DEMO_PROTOCOL, attack, defenses: [spec] }, flags, true), flags, io, {}));
    });

  // the training scripts ship with a robustjs checkout only: elsewhere `train` is hidden (and
  // explains itself if called)
  const trainRoot = trainScriptsRoot();
  const targets = Object.keys(TRAIN_TARGETS).join(', ');
  program.command('train', { hidden: trainRoot === undefined })
    .description(`Train a model with its package's script (${targets}); arguments after -- go to ` +
      'the script. In a robustjs checkout only.')
    .argument('<model>', Object.keys(TRAIN_TARGETS).join(' | '))
    .argument('[args...]', 'passed to the training script')
    .allowUnknownOption()
    .action(async (what: string, args: string[]) => {
      done(await trainCommand(what, args, trainRoot));
    });

  program.command('completion')
    .description('Print a completion script for bash or zsh: source <(robustjs completion bash).')
    .addArgument(new Argument('<shell>', 'the shell').choices(COMPLETION_SHELLS))
    .action((shell: CompletionShell) => {
      io.stdout.write(completionScript(program, shell));
      done(EXIT_OK);
    });
  return program;
}

/**
 * Runs the `robustjs` command line in this process and returns its exit status: 0 on success, 2 for bad input
 * (unknown command or flag, bad value, missing or corrupt model file, protocol with unknown keys; one error line on
 * stderr), 1 for a failure while working. Reports are written atomically, so an interrupted run leaves none half-written.
 *
 * Commands: `demo`, `eval <protocol> [--shard i/n] [--checkpoints dir]`, `merge <partials...>`, `submit <protocol>`, `worker`,
 * `status <run>` (a BullMQ queue on Redis), `attack`, `completion bash|zsh`, and `train <model>`
 * (in a robustjs checkout only: the training scripts are not in the npm packages); `--help` shows
 * every flag's default, and numeric flags are checked against their ranges first; every long step
 * shows a progress bar (elapsed time and rate) on stderr, plain lines when stderr is not a terminal.
 *
 * @param argv - the arguments after the program name (e.g. `process.argv.slice(2)`).
 * @param io - where output goes; default `process.stdout` / `process.stderr`.
 * @returns the exit status.
 * @example
 * ```ts
 * process.exitCode = await runCli(['demo', '--images', '32']);
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  let code = EXIT_OK;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return EXIT_USAGE;
    }
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT_OK;
      io.stderr.write(`robustjs: ${error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()}\n`);
      return EXIT_USAGE;
    }
    const { exitCode, message } = describeFailure(error);
    io.stderr.write(`robustjs: error: ${message}\n`);
    return exitCode;
  }
}
