import { Redis } from 'ioredis';
import { CliError } from '../errors';

/** Options of {@link connectRedis}. */
export interface ConnectRedisOptions {
  /** For a BullMQ Worker (blocking commands: requests wait for a reconnect); default false (requests fail after one retry). */
  readonly blocking?: boolean;
  /** How long the first connection may take, in ms; default 3000. */
  readonly timeoutMs?: number;
}

/**
 * Opens an ioredis connection for BullMQ and waits until Redis answers, failing fast: an unreachable server, a bad URL
 * or a refused password give a one-line {@link CliError} (exit status 2) within `timeoutMs`, instead of ioredis' endless
 * reconnects. Once connected, a lost connection is retried (backoff up to 5 s), so a Redis restart does not stop a worker.
 *
 * @param url - `redis://[user:password@]host:port[/db]` or `rediss://…`.
 * @param options - `blocking`, `timeoutMs`.
 * @returns the connected client (the caller quits it).
 * @throws {@link CliError} for a malformed URL or an unreachable server.
 * @example
 * ```ts
 * const redis = await connectRedis('redis://127.0.0.1:6379');
 * ```
 */
export async function connectRedis(url: string, options: ConnectRedisOptions = {}): Promise<Redis> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`Option '--redis' must be a URL like redis://127.0.0.1:6379, got '${url}'.`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new CliError(`Option '--redis' must start with redis:// or rediss://, got '${url}'.`);
  }
  let connected = false;
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.timeoutMs ?? 3000,
    maxRetriesPerRequest: options.blocking === true ? null : 1,
    retryStrategy: (times) => (connected ? Math.min(times * 500, 5000) : null),
  });
  const where = `${parsed.protocol}//${parsed.host}`;
  try {
    // ioredis reports the cause (ECONNREFUSED, ETIMEDOUT, WRONGPASS) as an 'error' event and rejects connect() with a
    // bare "Connection is closed": take whichever comes first.
    await new Promise<void>((resolvePromise, reject) => {
      client.once('error', reject);
      client.connect().then(() => client.ping()).then(() => resolvePromise(), reject);
    });
  } catch (e) {
    client.disconnect();
    const err = e as NodeJS.ErrnoException;
    const why = err.code === undefined ? err.message : err.code === 'ETIMEDOUT' ? `no answer within ${options.timeoutMs ?? 3000} ms` : err.code;
    throw new CliError(`Redis at ${where} is unreachable (${why}); start redis-server or pass --redis redis://host:port.`);
  } finally {
    client.removeAllListeners('error');
    client.on('error', () => {}); // later connection errors are retried (see retryStrategy); BullMQ reports them too
  }
  connected = true;
  return client;
}
