/**
 * Control for the bench's `rss_*` figure: process memory over 4,000 steps of the same loop (conv gradients, matmul,
 * GroupNorm and Gaussian-kernel gradients), with the native kernels or without any (NONATIVE=1), and optionally with
 * tfjs's own Sum/Mean instead of the native ones (STOCKSUM=1); MODE=conv|mm|gn|gk runs one part. Run with GC exposed:
 *
 *   node --expose-gc --conditions=@robustjs/source --import tsx packages/native/bench/rssControl.ts
 *
 * Prints RSS, V8 heap and wasm-heap growth. (2026-11-25: with the native kernels +8 to +34 MB over 4,000 steps from
 * run to run, with no native kernel at all +41 MB: the growth is tfjs's and V8's, not the addon's; the wasm heap
 * stays at 16 MB.)
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gaussianGram, groupNorm, registerWasmKernels } from '@robustjs/core';
import { registerNativeKernels } from '../src/index';
async function main() {
  registerWasmKernels();
  const stock = new Map(['Sum', 'Mean'].map((n) => [n, tf.getKernel(n, 'wasm')!]));
  if (!process.env.NONATIVE) registerNativeKernels('wasm', {});
  await tf.setBackend('wasm');
  if (process.env.STOCKSUM) for (const [n, k] of stock) { tf.unregisterKernel(n, 'wasm'); tf.registerKernel(k); }
  const mode = process.env.MODE ?? 'all';
  const x = tf.randomNormal([16, 28, 28, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
  const wt = tf.randomNormal([3, 3, 16, 32], 0, 1, 'float32', 2) as tf.Tensor4D;
  const a = tf.randomNormal([256, 128], 0, 1, 'float32', 3) as tf.Tensor2D;
  const gamma = tf.ones([16]) as tf.Tensor1D; const beta = tf.zeros([16]) as tf.Tensor1D;
  const gradFn = tf.grads((xx: tf.Tensor, ww: tf.Tensor) => tf.sum(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 2, 'same')));
  const gnGrad = tf.grad((xx: tf.Tensor) => tf.sum(groupNorm(xx as tf.Tensor4D, gamma, beta, 8, { activation: 'silu' })));
  const kGrad = tf.grad((aa: tf.Tensor) => { const sq = tf.sum(tf.square(aa), 1) as tf.Tensor1D; return tf.sum(gaussianGram(tf.matMul(aa as tf.Tensor2D, aa as tf.Tensor2D, false, true), sq, sq, 256)); });
  const step = () => tf.tidy(() => {
    const parts: tf.Tensor[] = [];
    if (mode === 'all' || mode === 'conv') { const [gx, gw] = gradFn([x, wt]); parts.push(gx!.sum(), gw!.sum()); }
    if (mode === 'all' || mode === 'mm') parts.push(tf.matMul(a, a, false, true).sum());
    if (mode === 'all' || mode === 'gn') parts.push(gnGrad(x).sum());
    if (mode === 'all' || mode === 'gk') parts.push(kGrad(a).sum());
    return tf.addN(parts).dataSync()[0];
  });
  for (let i = 0; i < 20; i++) step();
  const heap = () => ((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length / 2 ** 20).toFixed(1);
  (globalThis as { gc?: () => void }).gc?.();
  const r0 = process.memoryUsage();
  for (let i = 0; i < 4000; i++) step();
  (globalThis as { gc?: () => void }).gc?.();
  const r1 = process.memoryUsage();
  console.log(mode, process.env.STOCKSUM ? 'stock-sum' : 'native-sum', 'rss +', ((r1.rss - r0.rss) / 2 ** 20).toFixed(1), 'MB; v8 heap +', ((r1.heapUsed - r0.heapUsed) / 2 ** 20).toFixed(1), 'external +', ((r1.external - r0.external) / 2 ** 20).toFixed(1), 'arrayBuffers +', ((r1.arrayBuffers - r0.arrayBuffers) / 2 ** 20).toFixed(1), 'wasm heap', heap());
}
await main();
