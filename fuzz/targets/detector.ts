// Fuzz target of MMD detector files (`MmdDetector.load`): a safetensors file whose metadata holds
// the config, kernel state and calibration as JSON.
import * as tf from '@tensorflow/tfjs';
import { MMD_DETECTOR_DEFAULTS, MmdDetector } from '@robustjs/mmd';
import { encodeDetectorFile } from '../../packages/mmd/src/detectorFile';
import { mutateSafetensors } from '../lib/safetensorsMutate';
import { digest, type Target } from '../lib/target';

export const detector: Target = {
  name: 'detector',
  async seeds() {
    const make = async (kind: 'identity' | 'layers-model', calibrated: boolean, n: number) => {
      const reference = tf.tensor2d(
        Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i)),
        [n, 3],
      );
      const weights = kind === 'layers-model' ? [tf.ones([3, 2]), tf.zeros([2])] : [];
      const bytes = await encodeDetectorFile({
        config: { ...MMD_DETECTOR_DEFAULTS, referenceSize: n },
        kernel: { sigma0Root: 1.25, sigmaRoot: 45.25, epsLogit: -2 },
        featurizerKind: kind,
        featurizerWeights: weights,
        reference,
        calibration: calibrated
          ? { threshold: 0.01, batchSize: 3, nullStatistics: [0.001, 0.01, 0.02] }
          : undefined,
      });
      tf.dispose([reference, ...weights]);
      return [bytes];
    };
    return [
      await make('identity', true, 4),
      await make('identity', false, 6),
      await make('layers-model', true, 4),
    ];
  },
  generate(rng, seeds) {
    if (rng.chance(0.05)) return [rng.bytes(rng.int(2048))];
    return [
      mutateSafetensors(
        rng.pick(seeds)[0] as Uint8Array,
        rng,
        seeds.map((s) => s[0] as Uint8Array),
      ),
    ];
  },
  async run([bytes]) {
    const d = MmdDetector.load(bytes as Uint8Array, undefined, 'fuzz.detector');
    try {
      return digest(await d.save());
    } finally {
      d.dispose();
    }
  },
};
