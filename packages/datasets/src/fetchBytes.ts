// Internal: fetch a URL's bytes with errors that name the URL and the public function.
import { RobustError, assert, describeValue } from '@robustjs/core';
import { gunzip } from './gunzip';

/** The `fetch` signature the readers accept (the global one by default). */
export type FetchLike = (input: string | URL, init?: RequestInit) => Promise<Response>;

/** Checks a URL argument: a non-empty string or a URL object. */
export function checkUrl(url: unknown, name: string, fn: string): string {
  assert((typeof url === 'string' && url.length > 0) || url instanceof URL, 'INVALID_ARGUMENT', () =>
    `Argument '${name}' passed to '${fn}' must be a URL (string or URL), got ${describeValue(url)}.`);
  return String(url);
}

/** GETs `url` and returns its body, gunzipped when it is gzip. */
export async function fetchBytes(url: string, fn: string, fetchImpl: FetchLike | undefined): Promise<Uint8Array> {
  const f = fetchImpl ?? (globalThis.fetch as FetchLike | undefined);
  assert(typeof f === 'function', 'BACKEND_UNAVAILABLE', () =>
    `'${fn}' needs fetch to read '${url}', and this platform has none. Pass { fetch } or read the bytes yourself.`);
  let response: Response;
  try {
    response = await f(url);
  } catch (cause) {
    throw new RobustError('IO_ERROR',
      `'${fn}' cannot fetch '${url}': ${cause instanceof Error ? cause.message : String(cause)}. Check the URL and the network.`, { cause });
  }
  assert(response.ok, 'IO_ERROR', () =>
    `'${fn}' cannot fetch '${url}': the server answered ${response.status} ${response.statusText}. Check the URL.`);
  let body: ArrayBuffer;
  try {
    body = await response.arrayBuffer();
  } catch (cause) {
    throw new RobustError('IO_ERROR',
      `'${fn}' lost the connection while reading '${url}' (${cause instanceof Error ? cause.message : String(cause)}). Try again.`, { cause });
  }
  return gunzip(body, url);
}
