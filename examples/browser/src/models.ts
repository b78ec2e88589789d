import * as tf from '@tensorflow/tfjs';
import { RobustError, classifierFromLayersModel, type Classifier } from '@robustjs/core';
import { unetFromSafetensors, type Unet } from '@robustjs/diffusion';
import { MmdDetector } from '@robustjs/mmd';
import { featureModel, loadZooModelFromUrl } from '@robustjs/zoo';

/** What the page runs: the zoo CNN, DAD's detector (with φ and θ) and the diffusion UNet. */
export interface Models {
  /** The zoo CNN: images `[N,28,28,1]` in [0,1] → logits `[N,10]`. */
  readonly classifier: Classifier;
  /** DAD's MMD-OPT detector (reference batch R, deep kernel on φ's features). */
  readonly detector: MmdDetector;
  /** θ on MMD²(R, B) and the batch size B it was calibrated at (from the DAD manifest). */
  readonly threshold: { readonly value: number; readonly batchSize: number; readonly fpr: number };
  /** The Fashion-MNIST ε-prediction UNet (T = 1000, linear betas). */
  readonly unet: Unet;
  /** Frees every model. */
  dispose(): void;
}

interface DadManifest {
  threshold: { value: number; batchSize: number; fpr: number };
  files: { path: string; bytes: number; sha256: string }[];
}

async function fetchChecked(
  url: string,
  expected?: { bytes: number; sha256: string },
): Promise<Uint8Array> {
  const res = await fetch(url);
  if (!res.ok)
    throw new RobustError('NOT_FOUND', `The page cannot fetch '${url}' (HTTP ${res.status}).`);
  const bytes = new Uint8Array(await res.arrayBuffer());
  if (expected !== undefined) {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    const hex = Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
    if (bytes.length !== expected.bytes || hex !== expected.sha256) {
      throw new RobustError(
        'CORRUPT_FILE',
        `'${url}' differs from its manifest (size or SHA-256).`,
      );
    }
  }
  return bytes;
}

/**
 * Loads the three models from the static `models/` folder (a copy of `packages/zoo/models`), every file
 * checked against its manifest's SHA-256.
 */
export async function loadModels(base: string): Promise<Models> {
  const cnn = await loadZooModelFromUrl('cnn', base);
  const full = await loadZooModelFromUrl('featurizer', base);
  const phi = featureModel(full);
  const manifestBytes = await fetchChecked(new URL('dad/manifest.json', base).href);
  const manifest = JSON.parse(new TextDecoder().decode(manifestBytes)) as DadManifest;
  const entry = manifest.files.find((f) => f.path === 'detector.safetensors');
  const detBytes = await fetchChecked(new URL('dad/detector.safetensors', base).href, entry);
  // Saved with φ used as a function (as loadDad in @robustjs/dad/node does): a LayersModel through apply().
  const detector = MmdDetector.load(
    detBytes,
    (x: tf.Tensor) => phi.apply(x) as tf.Tensor,
    'dad/detector.safetensors',
  );
  const unetBytes = await fetchChecked(new URL('unet/unet.safetensors', base).href);
  const unet = unetFromSafetensors(unetBytes, 'unet/unet.safetensors');
  return {
    classifier: classifierFromLayersModel(cnn),
    detector,
    threshold: manifest.threshold,
    unet,
    dispose: () => {
      detector.dispose();
      unet.dispose();
      cnn.dispose();
      full.dispose();
    },
  };
}
