import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import type { Report } from '../src/index';

/** `redis-server` on PATH or in /usr/bin (Debian package redis-server), or undefined. */
export const REDIS = ['/usr/bin/redis-server', ...(process.env.PATH ?? '').split(':').map((d) => join(d, 'redis-server'))]
  .find((p) => existsSync(p));

/** The repository root (the workers run `packages/cli/src/bin.ts` from there). */
export const ROOT = resolve(__dirname, '../../..');

/** A free TCP port on loopback. */
export const freePort = (): Promise<number> => new Promise((res, rej) => {
  const server = createServer().listen(0, '127.0.0.1', () => {
    const { port } = server.address() as { port: number };
    server.close(() => res(port));
  }).on('error', rej);
});

/** Polls `fn` every `everyMs` until it returns a value, or throws after `timeoutMs` naming `what`. */
export const until = async <T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, everyMs = 50): Promise<T> => {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

/** A report without its timings: what must be identical between a queued and a one-process run. */
export const records = (r: Report): unknown => ({
  protocol: r.protocol, examples: r.examples, summary: r.summary.map(({ secondsPerImage: _a, attackSecondsPerImage: _b, ...s }) => s),
  results: r.results.map(({ batches, ...rest }) => ({ ...rest, batches: batches.map(({ seconds: _s, ...b }) => b) })),
});
