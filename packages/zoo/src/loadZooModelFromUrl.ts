import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, describeValue, resolveOptions } from '@robustjs/core';
import type { ZooModelName } from './architectures';
import { zooEntry } from './manifest';

/** Options of {@link loadZooModelFromUrl}. */
export interface LoadZooModelFromUrlOptions {
  /** The `fetch` to use; default `globalThis.fetch`. */
  readonly fetch?: (url: string) => Promise<Response>;
}

const FN = 'loadZooModelFromUrl';

function hex(digest: ArrayBuffer): string {
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Loads a zoo model over `http(s)://` (browsers and Node): fetches every file the manifest lists for it from
 * `baseUrl` (a copy of the package's `models/` folder served as static files), checks each file's size and
 * SHA-256 (Web Crypto) against {@link zooManifest}, then builds the `tf.LayersModel` from memory.
 *
 * @param name - `'cnn'` (the reference classifier) or `'featurizer'` (DAD's featurizer, full classifier).
 * @param baseUrl - the URL of the served `models/` folder, e.g. `'https://example.org/models/'` or, in a page,
 *   `new URL('models/', location.href).href`; must be absolute `http(s)://`.
 * @param options - `fetch` (default `globalThis.fetch`).
 * @returns the model: input `[N,28,28,1]` images in [0,1], output `[N,10]` logits. The caller disposes it.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a `baseUrl` that is not an absolute
 *   http(s) URL; `NOT_FOUND` for an unknown name or a file the server does not return (status named);
 *   `CORRUPT_FILE` naming the file whose size or SHA-256 differs from the manifest; `UNKNOWN_OPTION`.
 * @example
 * ```ts
 * const cnn = await loadZooModelFromUrl('cnn', new URL('models/', location.href).href);
 * const logits = cnn.predict(x) as tf.Tensor2D; // [N,10]
 * ```
 */
export async function loadZooModelFromUrl(
  name: ZooModelName,
  baseUrl: string,
  options: LoadZooModelFromUrlOptions = {},
): Promise<tf.LayersModel> {
  const defaults = { fetch: undefined as LoadZooModelFromUrlOptions['fetch'] };
  const { fetch: fetchFn } = resolveOptions(FN, defaults, options);
  assert(
    typeof baseUrl === 'string' && /^https?:\/\//i.test(baseUrl),
    'INVALID_ARGUMENT',
    () =>
      `Argument 'baseUrl' passed to '${FN}' must be an absolute http(s):// URL of the served models/ folder, got ` +
      `${describeValue(baseUrl)}. Serve packages/zoo/models as static files and pass its URL.`,
  );
  const entry = zooEntry(name);
  const get = fetchFn ?? ((url: string) => globalThis.fetch(url));
  const root = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const files = new Map<string, Uint8Array>();
  for (const file of entry.files) {
    const url = new URL(file.path, root).href;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      const res = await get(url);
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw new RobustError(
        'NOT_FOUND',
        `'${FN}' cannot fetch '${url}' of zoo model '${name}' ` +
          `(${(e as Error).message}). Serve a copy of @robustjs/zoo/models at the baseUrl you pass.`,
        { cause: e },
      );
    }
    const digest = hex(await globalThis.crypto.subtle.digest('SHA-256', bytes));
    if (bytes.length !== file.bytes || digest !== file.sha256) {
      throw new RobustError(
        'CORRUPT_FILE',
        `'${FN}' found '${url}' corrupted: the manifest expects ${file.bytes} bytes with sha256 ` +
          `${file.sha256}, got ${bytes.length} bytes with sha256 ${digest}. ` +
          'Serve the files of the installed @robustjs/zoo unchanged.',
      );
    }
    files.set(file.path, bytes);
  }
  const json = JSON.parse(
    new TextDecoder().decode(files.get(`${name}/model.json`)),
  ) as tf.io.ModelJSON;
  const weightSpecs = json.weightsManifest.flatMap((g) => g.weights);
  const shards = json.weightsManifest.flatMap((g) => g.paths).map((p) => files.get(`${name}/${p}`));
  assert(
    shards.every((s) => s !== undefined),
    'CORRUPT_FILE',
    () =>
      `'${FN}': '${name}/model.json' names weight files the manifest does not list. Reinstall @robustjs/zoo.`,
  );
  const total = shards.reduce((n, s) => n + (s as Uint8Array).length, 0);
  const weightData = new Uint8Array(total);
  let at = 0;
  for (const s of shards as Uint8Array[]) {
    weightData.set(s, at);
    at += s.length;
  }
  const artifacts = {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: weightData.buffer,
  };
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
