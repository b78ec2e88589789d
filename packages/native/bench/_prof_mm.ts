import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '@robustjs/core';
import { registerNativeKernels } from '../src/index';
async function main() {
  registerWasmKernels(); registerNativeKernels('wasm', {}); await tf.setBackend('wasm');
  const G = tf.randomNormal([1024, 1024]); const a = tf.randomNormal([1024, 128]);
  const cases: [string, () => tf.Tensor][] = [
    ['G·a        ', () => tf.matMul(G, a)],
    ['Gᵀ·a (tA)  ', () => tf.matMul(G, a, true, false)],
    ['a·aᵀ (tB) ', () => tf.matMul(a, a, false, true)],
    ['aᵀ·G (tA) [128,1024]', () => tf.matMul(a, G, true, false)],
  ];
  for (let rep = 0; rep < 3; rep++) for (const [name, f] of cases) {
    const ts: number[] = [];
    for (let i = 0; i < 9; i++) { const t0 = performance.now(); const r = f(); await r.data(); r.dispose(); ts.push(performance.now() - t0); }
    ts.sort((x, y) => x - y); console.log(name, 'median', ts[4].toFixed(2), 'min', ts[0].toFixed(2), 'GF/s', (2*1024*1024*128/ts[0]/1e6).toFixed(0));
  }
}
main();
