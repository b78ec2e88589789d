import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '@robustjs/core';
async function main() {
  registerWasmKernels(); await tf.setBackend('wasm');
  const dy = tf.scalar(0.5);
  const cases: [string, () => tf.Tensor][] = [
    ['ones*dy', () => tf.tidy(() => tf.mul(tf.reshape(dy, [1, 1]), tf.ones([1024, 1024])))],
    ['broadcastTo', () => tf.tidy(() => tf.broadcastTo(tf.reshape(dy, [1, 1]), [1024, 1024]))],
    ['fill', () => tf.fill([1024, 1024], 0.5)],
  ];
  for (let rep = 0; rep < 3; rep++) for (const [name, f] of cases) {
    const ts: number[] = [];
    for (let i = 0; i < 15; i++) { const t0 = performance.now(); const r = f(); await r.data(); r.dispose(); ts.push(performance.now() - t0); }
    ts.sort((x, y) => x - y); console.log(name, 'median', ts[7].toFixed(2), 'min', ts[0].toFixed(2));
  }
}
main();
