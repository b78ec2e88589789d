import * as tf from '@tensorflow/tfjs';
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
});
