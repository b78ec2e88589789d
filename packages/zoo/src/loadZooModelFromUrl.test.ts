import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { initBackend } from '@robustjs/core';
import { expectRobustErrorAsync } from '@robustjs/test-utils';
import { featureModel, loadZooModelFromUrl } from './index';
import { loadReferenceCnn, modelsDir } from './node';

const BASE = 'https://models.example/zoo/';

/** A fetch serving the package's models/ folder at BASE (no network), optionally tampering with one file. */
function fakeFetch(tamper?: string) {
  return async (url: string): Promise<Response> => {
    if (!url.startsWith(BASE)) return new Response('', { status: 404, statusText: 'Not Found' });
    const rel = url.slice(BASE.length);
    try {
      const bytes = new Uint8Array(await readFile(join(modelsDir(), rel)));
      if (rel === tamper) bytes[0] = (bytes[0] ?? 0) ^ 1;
      return new Response(bytes, { status: 200 });
    } catch {
      return new Response('', { status: 404, statusText: 'Not Found' });
    }
  };
}

let x: tf.Tensor4D;
beforeAll(async () => {
  await initBackend('cpu');
  x = tf.randomUniform([3, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
});
afterAll(() => x.dispose());

it('loads the CNN over http(s) with the same logits as the Node file loader', async () => {
  const before = tf.memory().numTensors;
  const web = await loadZooModelFromUrl('cnn', BASE, { fetch: fakeFetch() });
  const file = await loadReferenceCnn();
  const a = web.predict(x) as tf.Tensor2D;
  const b = file.predict(x) as tf.Tensor2D;
  expect(a.shape).toEqual([3, 10]);
  expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
  tf.dispose([a, b]);
  web.dispose();
  file.dispose();
  expect(tf.memory().numTensors).toBe(before);
});

it('featureModel cuts the featurizer at its 64-d features; other models are refused', async () => {
  // a base URL without its trailing '/'
  const full = await loadZooModelFromUrl('featurizer', BASE.slice(0, -1), { fetch: fakeFetch() });
  const f = featureModel(full).predict(x) as tf.Tensor2D;
  expect(f.shape).toEqual([3, 64]);
  expect((await f.data()).every((v) => v >= 0)).toBe(true);
  f.dispose();
  const cnn = await loadZooModelFromUrl('cnn', BASE, { fetch: fakeFetch() });
  expect(() => featureModel(cnn)).toThrow(/must be the zoo featurizer/);
  full.dispose();
  cnn.dispose();
});

it('refuses a relative URL, a missing file and a tampered file, naming the URL', async () => {
  const rel = await expectRobustErrorAsync(() =>
    loadZooModelFromUrl('cnn', '/models/', { fetch: fakeFetch() }),
  );
  expect(rel.code).toBe('INVALID_ARGUMENT');
  expect(rel.message).toMatch(/'baseUrl'.*absolute http\(s\)/);
  const missing = await expectRobustErrorAsync(() =>
    loadZooModelFromUrl('cnn', 'https://elsewhere.example/', { fetch: fakeFetch() }),
  );
  expect(missing.code).toBe('NOT_FOUND');
  expect(missing.message).toContain('https://elsewhere.example/cnn/model.json');
  expect(missing.message).toContain('HTTP 404');
  const bad = await expectRobustErrorAsync(() =>
    loadZooModelFromUrl('cnn', BASE, { fetch: fakeFetch('cnn/weights.bin') }),
  );
  expect(bad.code).toBe('CORRUPT_FILE');
  expect(bad.message).toContain(`${BASE}cnn/weights.bin`);
  const key = await expectRobustErrorAsync(() =>
    loadZooModelFromUrl('cnn', BASE, { fetsh: 1 } as never),
  );
  expect(key.code).toBe('UNKNOWN_OPTION');
});
