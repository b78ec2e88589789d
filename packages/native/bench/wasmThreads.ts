/**
 * Experiment (issue 10, item 6): the second core for the wasm backend itself. tfjs-backend-wasm 4.22.0
 * ships a threaded-simd build but hard-codes threads off in Node (flag WASM_HAS_MULTITHREAD_SUPPORT
 * returns false when IS_NODE), and its pthread worker is a `blob:` URL that Node's Worker rejects.
 *
 *   node --conditions=@robustjs/source --import tsx bench/wasmThreads.ts [threads]
 *
 * With `threads` this script forces the flag, hands Node's Worker a real file for the pthread worker
 * (URL.createObjectURL is patched for that one Blob, and the worker's `load` message gets the factory
 * script's path instead of a Blob), asks for 2 XNNPACK threads, and prints what the module reports and
 * a few timings. Outcome on 2025-11 (tfjs 4.22.0, Node 20): the threaded module instantiates with a
 * shared heap and its 8 pre-spawned pthread workers load, but XNNPACK's pthreadpool reports 1 thread
 * (no worker is ever started: PThread.runningWorkers stays empty) and the timings and CPU use equal the
 * single-threaded module's. See bench/README.md.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '@robustjs/core';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const threaded = process.argv[2] === 'threads';
const req = createRequire(import.meta.url);
const wasmOut = join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'wasm-out');
if (threaded) {
  const { wasmWorkerContents } = req(join(wasmOut, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  const mainJs = join(wasmOut, 'tfjs-backend-wasm-threaded-simd.js');
  const workerFile = join(mkdtempSync(join(tmpdir(), 'tfjs-pthread-')), 'pthread-worker.cjs');
  // The worker source holds "\n" escapes that must stay escapes (tfjs does the same before making its Blob).
  const shim =
    `const wt=require('worker_threads');const on=wt.parentPort.on.bind(wt.parentPort);` +
    `wt.parentPort.on=(ev,fn)=>on(ev,(d)=>{if(d&&d.cmd==='load'&&typeof d.urlOrBlob!=='string')d.urlOrBlob=${JSON.stringify(mainJs)};fn(d);});\n`;
  writeFileSync(workerFile, shim + wasmWorkerContents.replace(/\n/g, '\\n'));
  const createObjectURL = URL.createObjectURL.bind(URL);
  URL.createObjectURL = (b: Blob) => (b.type === 'application/javascript' ? workerFile : createObjectURL(b));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  setThreadsCount(2);
}
registerWasmKernels();
await tf.setBackend('wasm');
await tf.ready();
const module = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array; PThread?: { unusedWorkers: unknown[]; runningWorkers: unknown[] } } }).wasm;
process.stderr.write(
  `threaded module: ${module.PThread !== undefined}, shared heap: ${module.HEAPU8.buffer instanceof SharedArrayBuffer}, ` +
    `pthread workers unused/running: ${module.PThread?.unusedWorkers.length ?? 0}/${module.PThread?.runningWorkers.length ?? 0}, ` +
    `XNNPACK threads: ${getThreadsCount()}\n`,
);

const x = tf.randomNormal([128, 28, 28, 32]) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 32, 64]) as tf.Tensor4D;
const a = tf.randomNormal([1024, 1024]);
const time = (name: string, f: () => tf.Tensor, flop: number): void => {
  for (let i = 0; i < 2; i++) f().dispose();
  const ts: number[] = [];
  let cpu = 0;
  for (let i = 0; i < 7; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const y = f();
    y.dataSync();
    ts.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
    y.dispose();
  }
  ts.sort((p, q) => p - q);
  const med = ts[3] as number;
  const total = ts.reduce((p, q) => p + q, 0);
  const line = { workload: name, backend: threaded ? 'wasm-threaded' : 'wasm', median_ms: Math.round(med * 10) / 10, min_ms: Math.round((ts[0] as number) * 10) / 10, n: 7 };
  console.log(JSON.stringify({ ...line, gflop_per_s: Math.round((flop / (med / 1000) / 1e9) * 10) / 10, cpu_util: Math.round((cpu / total) * 100) / 100 }));
};
time('conv_fwd_128x28x28x32_k3x64_s2', () => tf.conv2d(x, w, 2, 'same'), 2 * 128 * 14 * 14 * 64 * 9 * 32);
time('conv_fwd_128x28x28x32_k3x64_s1', () => tf.conv2d(x, w, 1, 'same'), 2 * 128 * 28 * 28 * 64 * 9 * 32);
time('matmul_1024', () => tf.matMul(a, a), 2 * 1024 ** 3);
process.exit(0); // the pthread workers keep the event loop alive
