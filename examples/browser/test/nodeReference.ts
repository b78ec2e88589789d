import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { gunzip, readIdx } from '@robustjs/datasets';
import { loadDad } from '@robustjs/dad/node';
import { loadFeaturizer, loadReferenceCnn, modelsDir } from '@robustjs/zoo/node';

/** The first `n` embedded Fashion-MNIST test images `[n,28,28,1]` in [0,1], as the page decodes them. */
export async function embeddedImages(root: string, n: number): Promise<tf.Tensor4D> {
  const dir = join(root, 'packages/datasets/data');
  const images = await gunzip(readFileSync(join(dir, 't10k-images-idx3-ubyte.gz')));
  const labels = await gunzip(readFileSync(join(dir, 't10k-labels-idx1-ubyte.gz')));
  const ds = readIdx(images, labels);
  return tf.tensor4d(
    Float32Array.from(ds.images.subarray(0, n * 784), (v) => v / 255),
    [n, 28, 28, 1],
  );
}

/** The page's default-batch numbers computed in Node on wasm: CNN logits `[100,10]` and DAD's statistic. */
export async function nodeWasmReference(
  root: string,
): Promise<{ logits: Float32Array; statistic: number }> {
  await initBackend('wasm');
  const x = await embeddedImages(root, 100);
  const cnn = await loadReferenceCnn();
  const phi = await loadFeaturizer();
  const dad = await loadDad(join(modelsDir(), 'dad'), { featurizer: phi });
  try {
    const logitsT = cnn.predict(x) as tf.Tensor2D;
    const s = dad.detector.score(x);
    const [logits, stat] = [(await logitsT.data()) as Float32Array, (await s.data())[0] as number];
    tf.dispose([logitsT, s]);
    return { logits, statistic: stat };
  } finally {
    x.dispose();
    dad.dispose();
    cnn.dispose();
    phi.dispose();
  }
}
