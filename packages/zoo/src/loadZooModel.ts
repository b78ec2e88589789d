import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { RobustError, resolveOptions } from '@robustjs/core';
import { fileSystem } from '@robustjs/core/node';
import type { ZooModelName } from './architectures';
import { zooEntry } from './manifest';
import { modelsDir } from './modelsDir';

/** Options of {@link loadZooModel}. */
export interface LoadZooModelOptions {
  /** The folder holding `<name>/model.json` and `<name>/weights.bin`; default {@link modelsDir}(). */
  readonly dir?: string;
}

/**
 * Loads a zoo model as a `tf.LayersModel` (Node only), after checking the SHA-256 of each of its files against
 * {@link zooManifest}.
 *
 * @param name - `'cnn'` (the reference classifier) or `'featurizer'` (DAD's featurizer, full classifier).
 * @param options - `dir` (default: the package's `models/` folder).
 * @returns the model: input `[N,28,28,1]` images in [0,1], output `[N,10]` logits. The caller disposes it.
 * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` naming the file whose size or SHA-256 differs
 *   from the manifest; `NOT_FOUND` for an unknown name or a missing file; `UNKNOWN_OPTION` for a bad option key.
 * @example
 * ```ts
 * const model = await loadZooModel('cnn');
 * model.summary();
 * ```
 */
export async function loadZooModel(name: ZooModelName, options: LoadZooModelOptions = {}): Promise<tf.LayersModel> {
  const { dir } = resolveOptions('loadZooModel', { dir: '' }, options);
  const root = dir === '' ? modelsDir() : dir;
  const entry = zooEntry(name);
  for (const file of entry.files) {
    const path = join(root, file.path);
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (e) {
      throw new RobustError('NOT_FOUND', `'loadZooModel' cannot read '${path}' of zoo model '${name}'. Reinstall @robustjs/zoo or pass the right { dir }.`, { cause: e });
    }
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (bytes.length !== file.bytes || digest !== file.sha256) {
      throw new RobustError('CORRUPT_FILE',
        `'loadZooModel' found '${path}' corrupted: the manifest expects ${file.bytes} bytes with sha256 ${file.sha256}, ` +
          `got ${bytes.length} bytes with sha256 ${digest}. Reinstall @robustjs/zoo or retrain with: ${entry.command}`);
    }
  }
  return tf.loadLayersModel(fileSystem(join(root, name, 'model.json')));
}
