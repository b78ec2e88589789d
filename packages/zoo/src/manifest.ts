import manifestJson from '../models/manifest.json';
import type { ZooManifest, ZooModelEntry } from './manifestTypes';
import type { ZooModelName } from './architectures';
import { RobustError } from '@robustjs/core';

/**
 * The zoo's manifest, written by the training command (`npm run train -w @robustjs/zoo`): for each model the
 * exact command, seed, epochs, the training data's source and SHA-256, training time, backend, test accuracy,
 * last training loss, and the size and SHA-256 of every file.
 *
 * @example
 * ```ts
 * for (const m of zooManifest.models) console.log(m.name, m.metrics.testAccuracy, m.command);
 * ```
 */
export const zooManifest: ZooManifest = manifestJson as ZooManifest;

/**
 * The manifest entry of one zoo model.
 *
 * @param name - `'cnn'` or `'featurizer'`.
 * @returns its {@link ZooModelEntry}.
 * @throws {@link @robustjs/core!index.RobustError} `NOT_FOUND` when the manifest has no such model.
 * @example
 * ```ts
 * console.log(zooEntry('cnn').metrics.testAccuracy); // ≥ 0.9
 * ```
 */
export function zooEntry(name: ZooModelName): ZooModelEntry {
  const entry = zooManifest.models.find((m) => m.name === name);
  if (entry === undefined) {
    throw new RobustError('NOT_FOUND', `Argument 'name' passed to 'zooEntry' must be one of ${zooManifest.models.map((m) => `'${m.name}'`).join(', ')}, got '${String(name)}'.`);
  }
  return entry;
}
