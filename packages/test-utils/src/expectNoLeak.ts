import * as tf from '@tensorflow/tfjs';

/**
 * Runs `fn`, disposes what it returns (tensors, arrays or records of tensors), and throws if the
 * number of live tensors grew. Returns `fn`'s plain (non-tensor) result.
 */
export function expectNoLeak<T>(fn: () => T): T {
  const before = tf.memory().numTensors;
  const out = fn();
  const plain = collectAndDispose(out);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensor(s) left alive (before ${before}, after ${after})`);
  return plain as T;
}

/** Async twin of {@link expectNoLeak}. */
export async function expectNoLeakAsync<T>(fn: () => Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const out = await fn();
  const plain = collectAndDispose(out);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`tensor leak: ${after - before} tensor(s) left alive (before ${before}, after ${after})`);
  return plain as T;
}

function collectAndDispose(value: unknown): unknown {
  if (value instanceof tf.Tensor) {
    value.dispose();
    return undefined;
  }
  if (Array.isArray(value)) {
    value.forEach(collectAndDispose);
    return value;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) collectAndDispose(v);
  }
  return value;
}
