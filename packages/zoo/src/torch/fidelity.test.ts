// The tfjs WideResNet and ResNet against the PyTorch reference (bench/torch_archs/classifiers.py):
// random-weight fixtures' logits to 1e-4 relative on every backend, and the full configs' tensor
// lists and parameter counts.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeEachBackend, expectNoLeak, relativeError } from '@robustjs/test-utils';
import { readTorchCheckpoint } from '@robustjs/core/node';
import { loadTorchClassifier } from './loadTorchClassifier';
import { resNetParams } from './resNet';
import { torchParameterCount } from './torchClassifier';
import { torchClassifierArchitecture } from './torchClassifiers';
import { wideResNetParams } from './wideResNet';

const DIR = fileURLToPath(new URL('../../test/fixtures/torch/', import.meta.url));

/** The small configs the fixtures were written with (see their metadata). */
const SMALL = {
  'wrn-10-1': { architecture: 'wrn-10-1', config: {} },
  'resnet-small': {
    architecture: 'resnet',
    config: { layers: [2, 1, 1, 1], widths: [4, 8, 8, 16], stemWidth: 8, numClasses: 10 },
  },
} as const;

describeEachBackend('PyTorch classifier fixtures', () => {
  for (const [name, spec] of Object.entries(SMALL)) {
    it(`${name}: logits equal the PyTorch reference to 1e-4 relative, without leaks`, async () => {
      const f = await loadTorchClassifier(`${DIR}${name}.safetensors`, spec);
      const ref = await readTorchCheckpoint(`${DIR}${name}.reference.safetensors`);
      const x = ref['x'] as tf.Tensor4D;
      const want = ref['logits'] as tf.Tensor2D;
      const got = expectNoLeak(() => {
        const logits = f(x);
        expect(logits.shape).toEqual(want.shape);
        const data = Array.from(logits.dataSync());
        logits.dispose();
        return data;
      });
      const err = relativeError(got, want.dataSync());
      expect(err, `relative error ${err.toExponential(2)}`).toBeLessThan(1e-4); // measured ≤ 7e-7
      f.dispose();
      tf.dispose(ref);
    });
  }

  for (const [name, spec] of Object.entries(SMALL)) {
    it(`${name}: the input gradient of the cross-entropy equals PyTorch's to 1e-4 relative`, async () => {
      const f = await loadTorchClassifier(`${DIR}${name}.safetensors`, spec);
      const ref = await readTorchCheckpoint(`${DIR}${name}.reference.safetensors`);
      const x = ref['x'] as tf.Tensor4D;
      const labels = tf.oneHot(tf.zeros([x.shape[0]], 'int32') as tf.Tensor1D, 10);
      const got = expectNoLeak(() => {
        const loss = (xi: tf.Tensor): tf.Scalar =>
          tf.sum(tf.losses.softmaxCrossEntropy(labels, f(xi as tf.Tensor4D), undefined, undefined,
            tf.Reduction.NONE));
        const g = tf.grad(loss)(x);
        const data = Array.from(g.dataSync());
        g.dispose();
        return data;
      });
      const err = relativeError(got, (ref['grad'] as tf.Tensor).dataSync());
      expect(err, `relative error ${err.toExponential(2)}`).toBeLessThan(1e-4); // measured ≤ 6e-7
      tf.dispose([ref, labels]);
      f.dispose();
    });
  }
});

interface ParamsFixture {
  readonly architectures: Record<
    string,
    { parameters: number; tensors: [string, number[], string][] }
  >;
}

describe('full configs', () => {
  const fixture = JSON.parse(readFileSync(`${DIR}params.json`, 'utf8')) as ParamsFixture;
  const published: Record<string, number> = {
    'wrn-28-10': 36_479_194,
    'resnet-50': 25_557_032,
    'wrn-34-10': 46_160_474,
    'wrn-70-16': 266_796_506,
  };
  for (const [name, count] of Object.entries(published)) {
    it(`${name}: ${count.toLocaleString(
      'en',
    )} parameters and exactly the reference's tensors`, () => {
      const arch = torchClassifierArchitecture(name);
      expect(torchParameterCount(arch.params)).toBe(count);
      const ref = fixture.architectures[name];
      expect(ref?.parameters).toBe(count);
      const learned = ref!.tensors.filter(([k]) => !k.endsWith('num_batches_tracked'));
      expect(arch.params.map((p) => [p.name, p.shape])).toEqual(learned.map(([k, s]) => [k, s]));
      const counters = ref!.tensors
        .filter(([k]) => k.endsWith('num_batches_tracked'))
        .map(([k]) => k.replace(/num_batches_tracked$/, 'running_mean'));
      const means = arch.params.filter((p) => p.name.endsWith('running_mean')).map((p) => p.name);
      expect(counters).toEqual(means);
    });
  }

  it('wrn-28-10 has RobustBench module names', () => {
    const names = wideResNetParams().map((p) => p.name);
    expect(names.slice(0, 4)).toEqual([
      'conv1.weight',
      'block1.layer.0.bn1.weight',
      'block1.layer.0.bn1.bias',
      'block1.layer.0.bn1.running_mean',
    ]);
    expect(names).toContain('block1.layer.0.convShortcut.weight');
    expect(names).not.toContain('block1.layer.1.convShortcut.weight');
    expect(names.slice(-2)).toEqual(['fc.weight', 'fc.bias']);
    expect(resNetParams().map((p) => p.name)).toContain('layer4.0.downsample.1.running_var');
  });
});
