import type { ZooModelName } from './architectures';

/** One file of a zoo model, as recorded by the training command. */
export interface ZooFile {
  /** Path relative to the package's `models/` folder, e.g. `cnn/weights.bin`. */
  readonly path: string;
  /** Size in bytes. */
  readonly bytes: number;
  /** Lower-case hex SHA-256 of the file's bytes. */
  readonly sha256: string;
}

/** How one zoo model was made and how well it does. */
export interface ZooModelEntry {
  /** The model's name. */
  readonly name: ZooModelName;
  /** The layers with their output shapes, in order. */
  readonly architecture: string;
  /** Number of scalar parameters. */
  readonly parameters: number;
  /** The exact command that produced the files (run from the repository root). */
  readonly command: string;
  /** Seed of the initialisers and of the epoch shuffles. */
  readonly seed: number;
  /** Training epochs over the 60,000 training images. */
  readonly epochs: number;
  /** Optimiser, batch size and loss. */
  readonly optimizer: string;
  /** The training data: where it was read and the SHA-256 of the training images and labels files. */
  readonly data: { readonly source: string; readonly files: readonly { readonly name: string; readonly sha256: string }[] };
  /** Wall-clock training time, excluding data loading and evaluation. */
  readonly trainingTimeSeconds: number;
  /** The tfjs backend (and kernel additions) used for training. */
  readonly backend: string;
  /** Accuracy on the Fashion-MNIST test split and the last epoch's mean training loss. */
  readonly metrics: { readonly testAccuracy: number; readonly testImages: number; readonly trainLoss: number };
  /** The model's files with their sizes and checksums. */
  readonly files: readonly ZooFile[];
  /** When the files were written (ISO 8601). */
  readonly createdAt: string;
}

/** The zoo's manifest (`models/manifest.json`). */
export interface ZooManifest {
  /** The dataset every model was trained on. */
  readonly dataset: 'fashion-mnist';
  /** One entry per model. */
  readonly models: readonly ZooModelEntry[];
}
