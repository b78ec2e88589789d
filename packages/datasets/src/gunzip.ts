import { RobustError, assert } from '@robustjs/core';
import { isGzip, toBytes } from './bytes';
import type { BytesInput } from './types';

/**
 * Decompresses gzip bytes with the platform's `DecompressionStream` (browsers, Deno, Node ≥ 18).
 * Bytes that do not start with the gzip magic number (1f 8b) are returned unchanged, so it is safe to
 * call on files that may or may not be compressed.
 *
 * @param input - the bytes of a `.gz` file (or of an uncompressed one).
 * @param name - how to name the input in messages, e.g. the URL or file name; default `'input'`.
 * @returns the decompressed bytes (or `input` viewed as a Uint8Array when it is not gzip).
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` naming the input when the gzip stream is corrupt or
 *   truncated; `BACKEND_UNAVAILABLE` when the platform has no `DecompressionStream`.
 * @example
 * ```ts
 * const raw = await gunzip(await (await fetch(url)).arrayBuffer(), url);
 * ```
 */
export async function gunzip(input: BytesInput, name = 'input'): Promise<Uint8Array> {
  const bytes = toBytes(input, `Argument '${name}' passed to 'gunzip'`);
  if (!isGzip(bytes)) return bytes;
  assert(typeof DecompressionStream === 'function', 'BACKEND_UNAVAILABLE', () =>
    `'gunzip' needs DecompressionStream to decompress '${name}', and this platform has none. ` +
      'Decompress the file beforehand, or use the readers of @robustjs/datasets/node in Node.');
  try {
    // Blob.stream() copies: the caller's bytes are never detached or changed.
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (cause) {
    throw new RobustError('CORRUPT_FILE',
      `gzip file '${name}' passed to 'gunzip' is corrupt or truncated (${cause instanceof Error ? cause.message : String(cause)}). ` +
        'Download it again.', { cause });
  }
}
