import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@robustjs/core';
import { createUnet } from '@robustjs/diffusion';
import { saveUnet } from '@robustjs/diffusion/node';
import type { CliIo } from '../src/index';

/** A fresh temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'robustjs-cli-'));
}

/**
 * Writes a tiny untrained UNet (≈13k parameters) whose output layer has small random weights (the zero-initialised
 * output of a fresh UNet would give all-zero EPS norms) and returns its path.
 */
export async function tinyUnetFile(dir: string): Promise<string> {
  await initBackend('wasm');
  const unet = createUnet({ preset: 'tiny', seed: 3 });
  const w = unet.getWeights();
  let seed = 0;
  for (const [name, t] of Object.entries(w)) {
    if (name.startsWith('out.')) {
      t.dispose();
      w[name] = tf.randomNormal(t.shape, 0, 0.05, 'float32', ++seed);
    }
  }
  unet.setWeights(w);
  tf.dispose(Object.values(w));
  const path = join(dir, 'tiny-unet.safetensors');
  await saveUnet(unet, path);
  unet.dispose();
  return path;
}

/** Writes a protocol file and returns its path. */
export function protocolFile(dir: string, protocol: unknown, name = 'protocol.json'): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(protocol));
  return path;
}

/** A CliIo that records what the CLI writes. */
export function captureIo(): CliIo & { out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return {
    stdout: { write: (s: string) => { out += s; return true; }, isTTY: false },
    stderr: { write: (s: string) => { err += s; return true; }, isTTY: false },
    out: () => out,
    err: () => err,
  };
}

/**
 * Writes a tiny DAD model folder (an MMD detector fit for 2 steps on 16 clean test images vs. their noisy copies with
 * the zoo featurizer, an untrained 3-level denoiser, a manifest with θ at batch size 100) and returns its path.
 */
export async function tinyDadDir(dir: string): Promise<string> {
  await initBackend('wasm');
  const { MmdDetector } = await import('@robustjs/mmd');
  const { Denoiser } = await import('@robustjs/dad');
  const { loadFeaturizer } = await import('@robustjs/zoo/node');
  const { toTensors } = await import('@robustjs/datasets');
  const { loadFashionMnist } = await import('@robustjs/datasets/node');
  const { createHash } = await import('node:crypto');
  const { mkdirSync } = await import('node:fs');
  const data = await loadFashionMnist({ split: 'test' });
  const { x, y } = toTensors(data, Array.from({ length: 16 }, (_, i) => 5000 + i));
  const noisy = tf.tidy(() => tf.clipByValue(tf.add(x, tf.randomUniform(x.shape, -0.1, 0.1, 'float32', 1)), 0, 1));
  const detector = new MmdDetector(await loadFeaturizer(), { referenceSize: 8, steps: 2 });
  await detector.fit(x, noisy);
  const denoiser = new Denoiser({ inputShape: [28, 28, 1], channels: [4, 8, 8], forwardBlocks: [1, 1, 1], backwardBlocks: [1, 1] });
  const out = join(dir, 'dad');
  mkdirSync(out, { recursive: true });
  const files = { 'detector.safetensors': await detector.save(), 'denoiser.safetensors': denoiser.save() };
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(out, name), bytes);
  writeFileSync(join(out, 'manifest.json'), JSON.stringify({
    threshold: { value: 0.05, batchSize: 100, fpr: 0.01 },
    files: Object.entries(files).map(([path, bytes]) => ({ path, sha256: createHash('sha256').update(bytes).digest('hex') })),
  }));
  tf.dispose([x, y, noisy]);
  detector.dispose();
  denoiser.dispose();
  return out;
}
