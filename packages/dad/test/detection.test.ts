// A small version of the acceptance check `npm run evaluate -w @robustjs/dad` on the shipped weights
// (packages/zoo/models/dad): 3 Fashion-MNIST test batches of 100, clean and MMA-adversarial.
import * as tf from '@tensorflow/tfjs';
import { toTensors } from '@robustjs/datasets';
import { loadFashionMnist } from '@robustjs/datasets/node';
import { expect, it } from 'vitest';
import { loadShippedDad, mmaInChunks } from '../scripts/common';
import { useWasm } from './fixtures';

useWasm();

it('the shipped DAD flags MMA batches of 100, passes clean ones, and keeps the classifier’s clean accuracy', async () => {
  const { defense, classifier, dispose } = await loadShippedDad();
  const test = await loadFashionMnist({ split: 'test' });
  let flaggedAdv = 0;
  let flaggedClean = 0;
  let plain = 0;
  let dad = 0;
  for (let b = 0; b < 3; b++) {
    const { x, y } = toTensors(test, Array.from({ length: 100 }, (_, i) => 5000 + b * 100 + i));
    const adv = await mmaInChunks(classifier, x, y, 100 + b, 100);
    if (defense.route(adv).flagged) flaggedAdv++;
    if (defense.route(x).flagged) flaggedClean++;
    const [p, d] = tf.tidy(() => [classifier(x), defense(x, 1)].map((l) => tf.sum(tf.cast(tf.equal(tf.argMax(l, 1), y), 'int32')).dataSync()[0] as number));
    plain += p as number;
    dad += d as number;
    tf.dispose([x, y, adv]);
  }
  expect(flaggedAdv).toBe(3);
  expect(flaggedClean).toBe(0);
  expect(Math.abs(dad - plain) / 300).toBeLessThanOrEqual(0.005);
  dispose();
});
