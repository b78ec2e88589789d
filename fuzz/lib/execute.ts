// Runs one fuzz input and classifies the outcome. Used by the worker processes and by `--index`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs';
import { RobustError } from '@robustjs/core';
import { rngFor } from './rng';
import { defaultGenerate, type FuzzInput, type Target, type TargetContext } from './target';

/**
 * How one input ended. `failure` is anything but a RobustError (or the target's expected error)
 * or a consistent accept.
 */
export interface Outcome {
  readonly index: number;
  readonly kind: 'accept' | 'reject' | 'failure';
  /** The RobustError code, the target's expected error code, or the failure's description. */
  readonly code: string;
  /** Milliseconds of the first run (wall clock). */
  readonly ms: number;
  /** CPU milliseconds (user + system) of the first run, when measured. */
  readonly cpuMs?: number;
  /** Peak RSS during the input above the RSS before it, in bytes (-1: unknown). */
  readonly rssDelta: number;
  /** The input's size in bytes. */
  readonly size: number;
  readonly tags?: readonly string[];
}

/** /dev/shm (memory) when it exists: the trees and model folders written per input cost no disk. */
export const scratch = (): string => (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());

/** The RSS bound of an input: 64 MiB plus 4 times its size. */
export const rssBound = (size: number): number => 64 * 2 ** 20 + 4 * size;

const STATUS = '/proc/self/status';
const kib = (field: string): number => {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(STATUS, 'utf8'));
  return m ? Number(m[1]) * 1024 : -1;
};

/**
 * Peak RSS per input: writing 5 to /proc/self/clear_refs resets the kernel's peak (VmHWM) to the
 * current RSS, so VmHWM after the input minus VmRSS before it is the input's peak growth.
 */
function resetPeak(): number {
  try {
    writeFileSync('/proc/self/clear_refs', '5');
    return kib('VmRSS');
  } catch {
    return -1;
  }
}

const peak = (): number => {
  try {
    return kib('VmHWM');
  } catch {
    return -1;
  }
};

/** Input `index` of `target` under `seed`. */
export async function generateInput(
  target: Target,
  seeds: readonly FuzzInput[],
  seed: number,
  index: number,
  ctx: TargetContext,
): Promise<FuzzInput> {
  const rng = rngFor(seed, target.name, index);
  return target.generate ? target.generate(rng, seeds, ctx) : defaultGenerate(target, rng, seeds);
}

function describe(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message.split('\n')[0]?.slice(0, 300)}`;
  return `throw of ${typeof e}: ${String(e).slice(0, 200)}`;
}

async function attempt(target: Target, input: FuzzInput, ctx: TargetContext) {
  try {
    const r = await target.run(input, ctx);
    return typeof r === 'string'
      ? { ok: true as const, digest: r, tags: undefined }
      : { ok: true as const, ...r };
  } catch (error) {
    return { ok: false as const, error };
  }
}

/** Runs `input` (twice when accepted, to check the result is the same) and classifies it. */
export async function execute(
  target: Target,
  input: FuzzInput,
  index: number,
  ctx: TargetContext,
): Promise<Outcome & { error?: unknown }> {
  const size = target.size ? target.size(input, ctx) : input.reduce((s, p) => s + p.length, 0);
  await target.prepare?.(input, ctx);
  const tensors = tf.memory().numTensors;
  const before = resetPeak();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const first = await attempt(target, input, ctx);
  const ms = performance.now() - t0;
  const c1 = process.cpuUsage(c0);
  const cpuMs = (c1.user + c1.system) / 1000;
  const second = first.ok ? await attempt(target, input, ctx) : undefined;
  const hwm = peak();
  const rssDelta = before < 0 || hwm < 0 ? -1 : Math.max(0, hwm - before);
  const base = { index, ms, cpuMs, rssDelta, size };
  const leaked = tf.memory().numTensors - tensors;
  const fail = (code: string, error?: unknown) => ({
    ...base,
    kind: 'failure' as const,
    code,
    error,
  });
  if (leaked !== 0) return fail(`leak: ${leaked} tensors left alive`);
  if (rssDelta > rssBound(size))
    return fail(
      `rss: ${(rssDelta / 2 ** 20).toFixed(1)} MiB over ${(rssBound(size) / 2 ** 20).toFixed(
        1,
      )} MiB`,
    );
  if (first.ok) {
    if (!second?.ok)
      return fail(`inconsistent: accepted, then ${describe(second?.error)}`, second?.error);
    if (second.digest !== first.digest) return fail('inconsistent: two parses of one input differ');
    return { ...base, kind: 'accept', code: 'accept', ...(first.tags ? { tags: first.tags } : {}) };
  }
  const e = first.error;
  if (e instanceof RobustError) return { ...base, kind: 'reject', code: e.code };
  const expected = target.expected?.(e);
  if (expected !== undefined) return { ...base, kind: 'reject', code: expected };
  return fail(describe(e), e);
}
