import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak } from '@robustjs/test-utils';
import { classifierFromGraphModel, classifierFromLayersModel } from './adapters';
import { RobustError } from './errors';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function denseModel(): tf.LayersModel {
  const m = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 3, kernelInitializer: 'ones', biasInitializer: 'zeros' })] });
  return m;
}

/** A converted-format graph model built by hand: logits = reshape(x, [-1, 4]) · W. */
async function graphModel(w: number[]): Promise<tf.GraphModel> {
  const modelTopology = {
    node: [
      { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }, { size: '2' }, { size: '1' }] } } } },
      { name: 'flat/shape', op: 'Const', attr: { dtype: { type: 'DT_INT32' }, value: { tensor: { dtype: 'DT_INT32', tensorShape: { dim: [{ size: '2' }] } } } } },
      { name: 'w', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' }, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: [{ size: '4' }, { size: '3' }] } } } } },
      { name: 'flat', op: 'Reshape', input: ['x', 'flat/shape'], attr: { T: { type: 'DT_FLOAT' } } },
      { name: 'logits', op: 'MatMul', input: ['flat', 'w'], attr: { T: { type: 'DT_FLOAT' }, transpose_a: { b: false }, transpose_b: { b: false } } },
    ],
    versions: { producer: 1 },
  };
  const weightSpecs: tf.io.WeightsManifestEntry[] = [
    { name: 'flat/shape', shape: [2], dtype: 'int32' },
    { name: 'w', shape: [4, 3], dtype: 'float32' },
  ];
  const data = new Uint8Array(2 * 4 + 12 * 4);
  new Int32Array(data.buffer, 0, 2).set([-1, 4]);
  new Float32Array(data.buffer, 8, 12).set(w);
  return tf.loadGraphModel(tf.io.fromMemory({ modelTopology, weightSpecs, weightData: data.buffer, format: 'graph-model' }));
}

describe('classifierFromLayersModel', () => {
  it('returns [N,K] logits with normalisation inside, without leaks', () => {
    const model = denseModel();
    const f = classifierFromLayersModel(model, { normalize: { mean: 0.5, std: 0.25 } });
    const out = expectNoLeak(() => {
      const x = tf.tensor4d([1, 1, 1, 1, 0, 0, 0, 0], [2, 2, 2, 1]);
      const logits = f(x);
      const v = { shape: logits.shape, values: Array.from(logits.dataSync()) };
      tf.dispose([x, logits]);
      return v;
    });
    // (1-0.5)/0.25 = 2 per pixel, 4 pixels, weights 1 → 8; (0-0.5)/0.25 = -2 → -8.
    expect(out.shape).toEqual([2, 3]);
    expect(out.values).toEqual([8, 8, 8, -8, -8, -8]);
    model.dispose();
  });

  it('is differentiable: gradients flow to the input', () => {
    const model = denseModel();
    const f = classifierFromLayersModel(model);
    const g = tf.tidy(() => tf.grad((x: tf.Tensor) => f(x as tf.Tensor4D).sum())(tf.zeros([1, 2, 2, 1])).dataSync().slice());
    expect(Array.from(g)).toEqual([3, 3, 3, 3]);
    model.dispose();
  });

  it('turns probabilities into log-probabilities when asked', () => {
    const model = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2, 1] }), tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: 'zeros' })] });
    const f = classifierFromLayersModel(model, { outputsProbabilities: true });
    const v = tf.tidy(() => f(tf.zeros([1, 2, 2, 1])).dataSync().slice());
    expect(v[0]).toBeCloseTo(Math.log(0.5), 6);
    model.dispose();
  });

  it('rejects non-models and bad normalisation', () => {
    expect(() => classifierFromLayersModel({} as tf.LayersModel)).toThrow(/must be a tf.LayersModel/);
    const model = denseModel();
    expect(() => classifierFromLayersModel(model, { normalize: { mean: 0, std: 0 } })).toThrow(RobustError);
    const f = classifierFromLayersModel(model, { normalize: { mean: [0, 0, 0], std: 1 } });
    const x = tf.zeros([1, 2, 2, 1]) as tf.Tensor4D;
    expect(() => f(x)).toThrow(/has 3 values but the images have 1 channels/);
    x.dispose();
    model.dispose();
  });
});

describe('classifierFromGraphModel', () => {
  it('wraps a converted graph model and is differentiable', async () => {
    const w = [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1];
    const model = await graphModel(w);
    const f = classifierFromGraphModel(model);
    const out = expectNoLeak(() => {
      const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
      const logits = f(x);
      const g = tf.grad((xx: tf.Tensor) => f(xx as tf.Tensor4D).sum())(x);
      const v = { shape: logits.shape, logits: Array.from(logits.dataSync()), grad: Array.from(g.dataSync()) };
      tf.dispose([x, logits, g]);
      return v;
    });
    expect(out.shape).toEqual([1, 3]);
    expect(out.logits).toEqual([1 + 4, 2 + 4, 3 + 4]);
    expect(out.grad).toEqual([1, 1, 1, 3]);
    model.dispose();
  });

  it('rejects a layers model', () => {
    const model = denseModel();
    expect(() => classifierFromGraphModel(model as unknown as tf.GraphModel)).toThrow(/must be a tf.GraphModel.*classifierFromLayersModel/);
    model.dispose();
  });
});
