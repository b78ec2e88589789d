import * as tf from '@tensorflow/tfjs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '@robustjs/test-utils';

it('the README example runs: loads Fashion-MNIST, takes the DAD subset, pads it and batches it without leaking', async () => {
  await tf.setBackend('cpu');
  const before = tf.memory().numTensors;
  const code = await runReadmeExample(fileURLToPath(new URL('../README.md', import.meta.url)));
  expect(code.trim().split('\n').length).toBeLessThanOrEqual(15);
  expect(tf.memory().numTensors).toBe(before);
});
