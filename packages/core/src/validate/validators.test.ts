import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, expectRobustError as caught } from '@robustjs/test-utils';
import { RobustError, assert, describeValue } from '../errors';
import { assertImages } from './assertImages';
import { assertLabels } from './assertLabels';
import { assertNumber } from './assertNumber';
import { assertSameBatch } from './assertSameBatch';
import { resolveOptions } from './resolveOptions';


beforeAll(async () => {
  await tf.setBackend('cpu');
});

describeEachBackend('assertImages', () => {
  it('accepts [N,H,W,C] float32 in [0,1] without leaking', () => {
    expectNoLeak(() => {
      const x = tf.randomUniform([2, 4, 4, 3]);
      assertImages(x, 'x', 'pgd', { channels: 3, batch: 2 });
      return x;
    });
  });

  it.each([
    ['rank 3', () => tf.zeros([4, 4, 3]), 'INVALID_ARGUMENT', /must be a rank-4 \[N,H,W,C\] tensor, got rank 3 with shape \[4,4,3\].*expandDims/],
    ['int32 dtype', () => tf.zeros([1, 2, 2, 1], 'int32'), 'INVALID_ARGUMENT', /must have dtype float32, got int32/],
    ['NaN', () => tf.tensor4d([0, NaN, 0.5, 1], [1, 2, 2, 1]), 'NOT_FINITE', /must be finite, got 1 NaN or infinite value/],
    ['Infinity', () => tf.tensor4d([0, Infinity, -Infinity, 1], [1, 2, 2, 1]), 'NOT_FINITE', /got 2 NaN or infinite/],
    ['values above 1', () => tf.tensor4d([0, 255, 3, 1], [1, 2, 2, 1]), 'OUT_OF_RANGE', /must have values in \[0, 1\], got min 0 and max 255.*divide 0\.\.255 data by 255/],
    ['negative values', () => tf.tensor4d([-0.5, 0, 0, 1], [1, 2, 2, 1]), 'OUT_OF_RANGE', /got min -0\.5/],
    ['an empty batch', () => tf.zeros([0, 2, 2, 1]), 'EMPTY_INPUT', /must hold at least one image, got shape \[0,2,2,1\]/],
  ] as const)('rejects %s with a RobustError naming the argument and the function', (_label, make, code, pattern) => {
    const x = make();
    const before = tf.memory().numTensors;
    const err = caught(() => assertImages(x, 'x', 'pgd'));
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/^Argument 'x' passed to 'pgd'/);
    expect(err.message).toMatch(pattern);
  });

  it('rejects non-tensors, wrong channel counts and wrong batch sizes', () => {
    expect(caught(() => assertImages([1, 2], 'images', 'purify')).message).toMatch(/Argument 'images' passed to 'purify' must be a tf.Tensor.*got \[1,2\]/);
    const x = tf.zeros([2, 3, 4, 4]);
    const e = caught(() => assertImages(x, 'x', 'fgsm', { channels: 3 }));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toMatch(/NCHW.*transpose\(\[0,2,3,1\]\)/);
    expect(caught(() => assertImages(x, 'x', 'fgsm', { batch: 5 })).message).toMatch(/batch size 5, got 2/);
    x.dispose();
  });

  it('supports another range, e.g. [-1,1] for diffusion inputs', () => {
    const x = tf.tensor4d([-1, 0, 0.5, 1], [1, 2, 2, 1]);
    assertImages(x, 'xt', 'ddimStep', { range: [-1, 1] });
    expect(caught(() => assertImages(x, 'xt', 'ddimStep')).code).toBe('OUT_OF_RANGE');
    x.dispose();
  });
});

describeEachBackend('assertLabels', () => {
  it('accepts [N] int32 in [0,K)', () => {
    expectNoLeak(() => {
      const y = tf.tensor1d([0, 9, 3], 'int32');
      assertLabels(y, 'y', 'pgd', { numClasses: 10, batch: 3 });
      return y;
    });
  });

  it.each([
    ['float labels', () => tf.tensor1d([0, 1]), 'INVALID_ARGUMENT', /must have dtype int32, got float32/],
    ['one-hot labels', () => tf.oneHot(tf.tensor1d([0, 1], 'int32'), 3), 'INVALID_ARGUMENT', /rank-1 \[N\].*argMax/],
    ['an empty vector', () => tf.tensor1d([], 'int32'), 'EMPTY_INPUT', /at least one label/],
    ['a label ≥ K', () => tf.tensor1d([0, 10], 'int32'), 'OUT_OF_RANGE', /class indices in \[0, 10\), got min 0 and max 10/],
    ['a negative label', () => tf.tensor1d([-1, 2], 'int32'), 'OUT_OF_RANGE', /got min -1/],
  ] as const)('rejects %s', (_l, make, code, pattern) => {
    const y = tf.tidy(make);
    const err = caught(() => assertLabels(y, 'y', 'autoAttack', { numClasses: 10 }));
    y.dispose();
    expect(err.code).toBe(code);
    expect(err.message).toMatch(/^Argument 'y' passed to 'autoAttack'/);
    expect(err.message).toMatch(pattern);
  });

  it('rejects a label count that differs from the images', () => {
    const y = tf.tensor1d([1, 2], 'int32');
    expect(caught(() => assertLabels(y, 'y', 'pgd', { batch: 3 })).code).toBe('SHAPE_MISMATCH');
    y.dispose();
  });
});

describe('assertSameBatch', () => {
  it('passes equal batches and rejects unequal ones, naming both arguments', () => {
    const a = tf.zeros([3, 2]);
    const b = tf.zeros([3]);
    const c = tf.zeros([4, 2]);
    assertSameBatch(a, b, ['x', 'y'], 'pgd');
    const err = caught(() => assertSameBatch(a, c, ['clean', 'adversarial'], 'mmd2'));
    expect(err.code).toBe('SHAPE_MISMATCH');
    expect(err.message).toMatch(/Arguments 'clean' and 'adversarial' passed to 'mmd2' must have the same batch size, got \[3,2\] and \[4,2\]/);
    tf.dispose([a, b, c]);
  });
});

describe('assertNumber', () => {
  it('checks finiteness, integrality and bounds', () => {
    assertNumber(3, 'steps', 'pgd', { integer: true, min: 1 });
    expect(caught(() => assertNumber(NaN, 'eps', 'pgd')).message).toMatch(/Argument 'eps' passed to 'pgd' must be a finite number, got NaN/);
    expect(caught(() => assertNumber(2.5, 'steps', 'pgd', { integer: true })).message).toMatch(/whole number, got 2\.5/);
    expect(caught(() => assertNumber(0, 'steps', 'pgd', { min: 1 })).code).toBe('OUT_OF_RANGE');
    expect(caught(() => assertNumber(0, 'eps', 'pgd', { greaterThan: 0 })).message).toMatch(/must be > 0, got 0/);
    expect(caught(() => assertNumber(2, 'fpr', 'calibrate', { max: 1 })).message).toMatch(/must be ≤ 1, got 2/);
    expect(caught(() => assertNumber('8', 'eps', 'pgd')).message).toMatch(/got "8"/);
  });
});

describe('resolveOptions', () => {
  const DEFAULTS = { eps: 8 / 255, steps: 10, randomStart: true, seed: undefined as number | undefined };

  it('merges over the defaults once and freezes the result', () => {
    const cfg = resolveOptions('pgd', DEFAULTS, { steps: 20, seed: 3 });
    expect(cfg).toEqual({ eps: 8 / 255, steps: 20, randomStart: true, seed: 3 });
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(resolveOptions('pgd', DEFAULTS)).toEqual(DEFAULTS);
  });

  it('rejects unknown keys, listing the valid ones', () => {
    const err = caught(() => resolveOptions('pgd', DEFAULTS, { stpes: 20 } as never));
    expect(err.code).toBe('UNKNOWN_OPTION');
    expect(err.message).toBe("Unknown option 'stpes' passed to 'pgd'. Valid options: eps, steps, randomStart, seed.");
  });

  it('rejects values of the wrong type and non-objects', () => {
    expect(caught(() => resolveOptions('pgd', DEFAULTS, { steps: '20' } as never)).message).toMatch(/Option 'steps' passed to 'pgd' must be a number, got "20"/);
    expect(caught(() => resolveOptions('pgd', DEFAULTS, [] as never)).code).toBe('INVALID_ARGUMENT');
  });
});

describe('RobustError and assert', () => {
  it('carries a code, a name and a cause', () => {
    const cause = new Error('disk full');
    const e = new RobustError('IO_ERROR', 'could not write /tmp/x', { cause });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('RobustError');
    expect(e.code).toBe('IO_ERROR');
    expect(e.cause).toBe(cause);
  });

  it('assert builds the message only on failure', () => {
    let built = 0;
    assert(true, 'INVALID_ARGUMENT', () => String(++built));
    expect(built).toBe(0);
    expect(caught(() => assert(false, 'OUT_OF_RANGE', () => `m${++built}`)).message).toBe('m1');
  });

  it('describeValue prints shapes, strings and objects compactly', () => {
    expect(describeValue([32, 32, 3])).toBe('[32,32,3]');
    expect(describeValue('a')).toBe('"a"');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(new Map())).toBe('a Map');
    expect(describeValue(Array.from({ length: 20 }, (_, i) => i))).toBe('[0,1,2,3,4,5,6,7,…]');
  });
});

describe('disposed inputs (#24)', () => {
  it('assertImages and assertLabels reject a disposed tensor with a RobustError naming the argument', () => {
    const x = tf.zeros([1, 2, 2, 1]);
    const y = tf.tensor1d([0], 'int32');
    tf.dispose([x, y]);
    const e1 = caught(() => assertImages(x, 'x', 'pgd'));
    expect(e1.code).toBe('INVALID_ARGUMENT');
    expect(e1.message).toMatch(/'x' passed to 'pgd'.*disposed/);
    const e2 = caught(() => assertLabels(y, 'y', 'pgd'));
    expect(e2.code).toBe('INVALID_ARGUMENT');
    expect(e2.message).toMatch(/'y' passed to 'pgd'.*disposed/);
  });
});
