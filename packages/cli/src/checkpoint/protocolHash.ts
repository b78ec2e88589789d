import { createHash } from 'node:crypto';
import type { Protocol } from '../protocol';
import { stableJson } from '../report/stableJson';

/**
 * The identity of a resolved protocol: the hex SHA-256 of its {@link stableJson} text. Checkpoints live under it
 * (`<dir>/<protocolHash>/`), and a queue worker refuses a job whose hash differs from the one it recomputes.
 *
 * @param protocol - the resolved protocol (after `--images`, `--seed`, `--unet`, `--dad`).
 * @returns 64 hex digits.
 * @example
 * ```ts
 * const dir = join('checkpoints', protocolHash(protocol));
 * ```
 */
export function protocolHash(protocol: Protocol): string {
  return createHash('sha256').update(stableJson(protocol)).digest('hex');
}
