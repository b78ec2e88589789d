import * as tf from '@tensorflow/tfjs';
import { encodeSafetensorsSync, parseSafetensors } from '@robustjs/core';
import { describe, expect, it } from 'vitest';
import { caught, useWasm } from '../test/helpers';
import { MMD_DETECTOR_FORMAT_VERSION, decodeDetectorFile, encodeDetectorFile } from './detectorFile';
import { MMD_DETECTOR_DEFAULTS } from './mmdDetectorConfig';

useWasm();

describe('detector file', () => {
  it('round-trips config, kernel state, weights, reference and calibration exactly', async () => {
    const reference = tf.randomNormal([3, 2, 2]);
    const weights = [tf.ones([2, 3]), tf.zeros([3])];
    const file = {
      config: MMD_DETECTOR_DEFAULTS, kernel: { sigma0Root: 1.25, sigmaRoot: 45.25, epsLogit: -23.02585 },
      featurizerKind: 'layers-model' as const, featurizerWeights: weights, reference,
      calibration: { threshold: 0.0123456789, batchSize: 3, nullStatistics: [0.001, 0.0123456789, 0.1 / 3] },
    };
    const back = decodeDetectorFile(await encodeDetectorFile(file), 'x', 'load');
    expect(MMD_DETECTOR_FORMAT_VERSION).toBe(1);
    expect(back.config).toEqual(JSON.parse(JSON.stringify(MMD_DETECTOR_DEFAULTS)));
    expect(back.kernel).toEqual(file.kernel);
    expect(back.calibration).toEqual(file.calibration);
    expect(back.reference.dataSync()).toEqual(reference.dataSync());
    expect(back.featurizerWeights.map((w) => w.shape)).toEqual([[2, 3], [3]]);
    tf.dispose([reference, ...weights, back.reference, ...back.featurizerWeights]);
  });

  it('names the file and the problem for garbage input', () => {
    const e = caught(() => decodeDetectorFile(new Uint8Array([1, 2, 3]), 'bad.bin', 'MmdDetector.load'));
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toMatch(/'MmdDetector.load' cannot read detector file 'bad.bin' \(3 bytes\)/);
  });

  describe('rejects kernel and calibration values that load but can never flag', () => {
    const base = () => ({
      config: MMD_DETECTOR_DEFAULTS, kernel: { sigma0Root: 1.25, sigmaRoot: 45.25, epsLogit: -2 },
      featurizerKind: 'identity' as const, featurizerWeights: [] as tf.Tensor[], reference: tf.zeros([3, 2]),
      calibration: { threshold: 0.01, batchSize: 3, nullStatistics: [0.001, 0.01] },
    });
    it.each([
      ['sigma0Root 0 (σ0 = 0: a NaN statistic)', { kernel: { sigma0Root: 0, sigmaRoot: 45.25, epsLogit: -2 } }, /sigma0Root/],
      ['sigmaRoot 0', { kernel: { sigma0Root: 1.25, sigmaRoot: 0, epsLogit: -2 } }, /sigmaRoot/],
      ['sigma0Root 1e-200 (its square underflows to 0)', { kernel: { sigma0Root: 1e-200, sigmaRoot: 45.25, epsLogit: -2 } }, /sigma0Root/],
      ['calibration batchSize 0', { calibration: { threshold: 0.01, batchSize: 0, nullStatistics: [0.01] } }, /calibration/],
    ])('%s', async (_label, override, pattern) => {
      const file = { ...base(), ...override };
      const bytes = await encodeDetectorFile(file);
      file.reference.dispose();
      const before = tf.memory().numTensors;
      const e = caught(() => decodeDetectorFile(bytes, 'det.safetensors', 'MmdDetector.load'));
      expect(tf.memory().numTensors).toBe(before);
      expect(e.code).toBe('CORRUPT_FILE');
      expect(e.message).toContain("'det.safetensors'");
      expect(e.message).toMatch(pattern);
    });
  });

  it('rejects featurizer.weights beyond the tensors in the file (2^31) before building any name list or tensor', async () => {
    const reference = tf.zeros([3, 2]);
    const good = await encodeDetectorFile({
      config: MMD_DETECTOR_DEFAULTS, kernel: { sigma0Root: 1.25, sigmaRoot: 45.25, epsLogit: -2 },
      featurizerKind: 'identity', featurizerWeights: [], reference, calibration: undefined,
    });
    reference.dispose();
    const { tensors, metadata } = parseSafetensors(good);
    const bytes = encodeSafetensorsSync(tensors, { ...metadata, featurizer: JSON.stringify({ kind: 'identity', weights: 2 ** 31 }) });
    const before = tf.memory().numTensors;
    const started = performance.now();
    const e = caught(() => decodeDetectorFile(bytes, 'det.safetensors', 'MmdDetector.load'));
    expect(performance.now() - started).toBeLessThan(1000);
    expect(tf.memory().numTensors).toBe(before);
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toMatch(/'featurizer' is malformed.*from 0 to 0 \(the file holds 1 tensors/);
  });
});
