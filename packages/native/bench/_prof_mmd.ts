import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { gaussianGram, registerWasmKernels } from '@robustjs/core';
import { registerNativeKernels } from '../src/index';
async function main() {
  registerWasmKernels();
  registerNativeKernels('wasm', {});
  await tf.setBackend('wasm');
  const n = 1024, d = 128;
  const x = tf.randomNormal([n, d], 0, 1, 'float32', 1) as tf.Tensor2D;
  const y = tf.randomNormal([n, d], 0.1, 1, 'float32', 2) as tf.Tensor2D;
  const w = tf.variable(tf.randomNormal([d, d], 0, Math.sqrt(2 / d), 'float32', 3)) as tf.Variable<tf.Rank.R2>;
  const sigma2 = 2 * d;
  const sq = (a: tf.Tensor2D) => tf.sum(tf.square(a), 1) as tf.Tensor1D;
  const kernel = (a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor2D => gaussianGram(tf.matMul(a, b, false, true), sq(a), sq(b), 2 * sigma2);
  const f = (ww: tf.Tensor) => { const fx = tf.matMul(x, ww as tf.Tensor2D), fy = tf.matMul(y, ww as tf.Tensor2D); const off = n*(n-1);
    const xx = tf.div(tf.sub(tf.sum(kernel(fx, fx)), n), off); const yy = tf.div(tf.sub(tf.sum(kernel(fy, fy)), n), off); const xy = tf.mean(kernel(fx, fy));
    return tf.sub(tf.add(xx, yy), tf.mul(2, xy)) as tf.Scalar; };
  const vg = tf.valueAndGrad(f);
  const run = () => tf.tidy(() => { const { value, grad } = vg(w); return tf.add(value, tf.sum(grad)); });
  for (let i = 0; i < 3; i++) { const r = run(); await r.data(); r.dispose(); }
  const times: number[] = [];
  for (let i = 0; i < 7; i++) { const t0 = performance.now(); const r = run(); await r.data(); r.dispose(); times.push(performance.now() - t0); }
  times.sort((a, b) => a - b); console.log('median', times[3], 'min', times[0]);
  const prof = await tf.profile(async () => { const r = run(); await r.data(); r.dispose(); });
  const agg = new Map<string, { ms: number; c: number }>();
  for (const k of prof.kernels) { const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0; const key = k.name + ' ' + JSON.stringify(k.outputShapes?.[0] ?? []); const a = agg.get(key) ?? { ms: 0, c: 0 }; a.ms += ms; a.c++; agg.set(key, a); }
  const rows = [...agg.entries()].sort((a, b) => b[1].ms - a[1].ms);
  let tot = 0; for (const [, v] of rows) tot += v.ms;
  console.log('total kernel ms', tot.toFixed(1));
  for (const [k, v] of rows.slice(0, 30)) console.log(v.ms.toFixed(2).padStart(8), String(v.c).padStart(3), k);
}
main();
