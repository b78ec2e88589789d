import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, assertLabels, assertNumber, describeValue } from '@robustjs/core';
import type { Classifier } from '@robustjs/core';

/** Budget options every gradient attack checks the same way. */
export interface BudgetToCheck {
  readonly eps: number;
  readonly stepSize?: number;
  readonly steps?: number;
  readonly seed?: number;
}

/**
 * Validates the common attack arguments before any work: `model` is a function, `x` is images in
 * [0,1], `y` holds one label in [0, K) per image (K read from one forward pass on `x[0]`), `eps ≥ 0`,
 * `stepSize > 0`, `steps` a whole number ≥ 0, `seed` an integer. Returns K.
 */
export function checkAttackInputs(fn: string, model: unknown, x: unknown, y: unknown, budget: BudgetToCheck): number {
  assert(typeof model === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to '${fn}' must be a Classifier function (x: [N,H,W,C] in [0,1]) => logits [N,K], got ${describeValue(model)}.`);
  assertImages(x, 'x', fn);
  assertLabels(y, 'y', fn, { batch: x.shape[0] });
  assertNumber(budget.eps, 'eps', fn, { min: 0 });
  if (budget.stepSize !== undefined) assertNumber(budget.stepSize, 'stepSize', fn, { greaterThan: 0 });
  if (budget.steps !== undefined) assertNumber(budget.steps, 'steps', fn, { integer: true, min: 0 });
  if (budget.seed !== undefined) assertNumber(budget.seed, 'seed', fn, { integer: true });
  const shape = tf.tidy(() => (model as Classifier)(tf.slice(x, [0, 0, 0, 0], [1, -1, -1, -1])).shape);
  assert(shape.length === 2 && shape[0] === 1, 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to '${fn}' must return logits [N,K], got shape ${describeValue(shape)} for one image.`);
  const k = shape[1] as number;
  assertLabels(y, 'y', fn, { batch: x.shape[0], numClasses: k });
  return k;
}
