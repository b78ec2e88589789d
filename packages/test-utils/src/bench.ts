/**
 * Helpers shared by the packages' `npm run bench` scripts (no vitest import: benches run under tsx). Every bench
 * prints one JSON line per figure on stdout and its progress on stderr.
 */
import { performance } from 'node:perf_hooks';

/** The flags every bench takes: `--n k` timed runs, `--quick` (small sizes), `--only substr`, plus boolean extras. */
export interface BenchFlags {
  n: number;
  quick: boolean;
  only: string | undefined;
  /** The extra boolean flags named in `parseBenchFlags`'s `extra`, by name without the dashes. */
  flags: Record<string, boolean>;
}

/**
 * Parses `--n`, `--quick`, `--only` and the named boolean `extra` flags; exits with status 2 and a usage line on
 * anything else or on `--n` that is not a positive integer.
 */
export function parseBenchFlags(argv: readonly string[], defaults: { n: number }, extra: readonly string[] = []): BenchFlags {
  const o: BenchFlags = { n: defaults.n, quick: false, only: undefined, flags: Object.fromEntries(extra.map((f) => [f, false])) };
  const usage = `usage: bench.ts [--n <k>] [--quick] [--only <substring>]${extra.map((f) => ` [--${f}]`).join('')}`;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--n') o.n = Number(argv[++i]);
    else if (a === '--quick') o.quick = true;
    else if (a === '--only') o.only = argv[++i];
    else if (a.startsWith('--') && extra.includes(a.slice(2))) o.flags[a.slice(2)] = true;
    else {
      process.stderr.write(`bench: unknown flag ${a}\n${usage}\n`);
      process.exit(2);
    }
  }
  if (!Number.isInteger(o.n) || o.n < 1) {
    process.stderr.write(`bench: --n must be a positive integer\n${usage}\n`);
    process.exit(2);
  }
  return o;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Rounds to one decimal (how the benches report milliseconds). */
export const round1 = (v: number): number => Math.round(v * 10) / 10;

/** One warm-up call, then `runs` timed calls of `run` (awaited); median and minimum in ms, one decimal. */
export async function timeRuns(runs: number, run: () => Promise<void> | void): Promise<{ median_ms: number; min_ms: number }> {
  await run();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return { median_ms: round1(median(times)), min_ms: round1(Math.min(...times)) };
}

/** Writes one JSON line to stdout. */
export function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
