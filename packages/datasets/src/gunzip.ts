import { RobustError, assert, assertNumber } from '@robustjs/core';
import { isGzip, toBytes } from './bytes';
import type { BytesInput } from './types';

/** The default output cap of {@link gunzip} and the Node readers: 256 MiB (MNIST's largest file inflates to 47 MB). */
export const GUNZIP_MAX_BYTES = 256 * 2 ** 20;

/**
 * Decompresses gzip bytes with the platform's `DecompressionStream` (browsers, Deno, Node ≥ 18).
 * Bytes that do not start with the gzip magic number (1f 8b) are returned unchanged, so it is safe to
 * call on files that may or may not be compressed. The output is bounded: inflating stops, and fails,
 * as soon as it passes `maxBytes` (a 1 MB gzip can otherwise inflate to 1 GB).
 *
 * @param input - the bytes of a `.gz` file (or of an uncompressed one).
 * @param name - how to name the input in messages, e.g. the URL or file name; default `'input'`.
 * @param maxBytes - the largest decompressed size accepted; default {@link GUNZIP_MAX_BYTES} (256 MiB).
 * @returns the decompressed bytes (or `input` viewed as a Uint8Array when it is not gzip).
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` naming the input when the gzip stream is corrupt or
 *   truncated; `OUT_OF_RANGE` when it inflates to more than `maxBytes` or `maxBytes` is below 1;
 *   `INVALID_ARGUMENT` for a `maxBytes` that is not an integer; `BACKEND_UNAVAILABLE` when the platform has no `DecompressionStream`.
 * @example
 * ```ts
 * const raw = await gunzip(await (await fetch(url)).arrayBuffer(), url);
 * ```
 */
export async function gunzip(input: BytesInput, name = 'input', maxBytes = GUNZIP_MAX_BYTES): Promise<Uint8Array> {
  const bytes = toBytes(input, `Argument '${name}' passed to 'gunzip'`);
  assertNumber(maxBytes, 'maxBytes', 'gunzip', { integer: true, min: 1 });
  if (!isGzip(bytes)) return bytes;
  assert(typeof DecompressionStream === 'function', 'BACKEND_UNAVAILABLE', () =>
    `'gunzip' needs DecompressionStream to decompress '${name}', and this platform has none. ` +
      'Decompress the file beforehand, or use the readers of @robustjs/datasets/node in Node.');
  // Blob.stream() copies: the caller's bytes are never detached or changed.
  const reader = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip')).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        void reader.cancel().catch(() => undefined);
        throw new RobustError('OUT_OF_RANGE',
          `gzip file '${name}' passed to 'gunzip' inflates to more than ${maxBytes} bytes (maxBytes). ` +
            'Pass a larger maxBytes if the file is genuine; otherwise it is a decompression bomb.');
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof RobustError) throw cause;
    throw new RobustError('CORRUPT_FILE',
      `gzip file '${name}' passed to 'gunzip' is corrupt or truncated (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Download it again.', { cause });
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}
