import type * as tf from '@tensorflow/tfjs';
import type { Classifier, Images, Labels } from '@robustjs/core';
import type { Dataset } from '@robustjs/datasets';
import type { NoiseSchedule, Unet } from '@robustjs/diffusion';
import type { MmdDetector } from '@robustjs/mmd';
import type { Denoiser } from '@robustjs/dad';
import type { ProgressSink } from '../progress';
import type { AttackSettings, DefenseSpec, Protocol } from '../protocol';

/** What a defense says about one batch it classified. */
export interface BatchOutcome {
  /** Predicted class of each image, `[B]`. */
  readonly predictions: Int32Array;
  /** SSNI: the EPS norm e(x) of each image. */
  readonly norms?: Float32Array;
  /** SSNI: each image's timestep (first stage). */
  readonly timesteps?: Int32Array;
  /** DAD: MMD²_b(R, batch), the routing statistic. */
  readonly mmd?: number;
  /** DAD: whether the batch was flagged (and denoised). */
  readonly flagged?: boolean;
  /** The purified (or denoised) images `[B,H,W,C]`, when asked for; the caller disposes them. */
  readonly purified?: tf.Tensor4D;
}

/** A defense ready to evaluate: classify batches, and attack them with its own adaptive attack. */
export interface Defense {
  /** The row's label, e.g. `'DiffPure + SSNI-N'`. */
  readonly label: string;
  /** The label of the method this one modifies (for the Δ column), e.g. `'DiffPure'` for SSNI on DiffPure. */
  readonly base: string | undefined;
  /** The resolved settings (defense steps, surrogate steps, …), as written into the report. */
  readonly settings: Readonly<Record<string, unknown>>;
  /** How it is attacked, in words (e.g. `'PGD+EOT, full backprop through a 5-step DiffPure surrogate'`). */
  readonly attackDescription: string;
  /**
   * Classifies one batch with the defense.
   * @param x - images `[B,H,W,C]` in [0,1].
   * @param seed - the batch's seed (an integer ≥ 1) for the defense's randomness.
   * @param keepPurified - return the purified images too.
   */
  classify(x: Images, seed: number, keepPurified: boolean): BatchOutcome;
  /**
   * The defense's adaptive attack on one batch: one or more candidate adversarial batches (e.g. DAD's two loss signs);
   * an image counts as robust only if every candidate is classified correctly.
   * @param x - clean images `[B,H,W,C]` in [0,1].
   * @param y - labels `[B]`.
   * @param attack - the threat model and budget.
   * @param seed - the batch's attack seed (an integer ≥ 1).
   * @param onProgress - called with the number of images of the batch attacked so far (for progress bars).
   */
  attack(x: Images, y: Labels, attack: AttackSettings, seed: number, onProgress?: (done: number) => void): Images[];
  /** Frees what the defense allocated. */
  dispose(): void;
}

/** DAD's parts as loaded from a model folder. */
export interface DadParts {
  /** The fitted MMD detector (reference batch R, deep kernel). */
  readonly detector: MmdDetector;
  /** The trained denoiser. */
  readonly denoiser: Denoiser;
  /** θ and the batch size it was calibrated at, from the folder's manifest. */
  readonly threshold: { readonly value: number; readonly batchSize: number; readonly fpr: number };
  /** Where the files came from. */
  readonly dir: string;
}

/** Everything adapters share during one run: data, models (loaded lazily, once), progress output. */
export interface RunContext {
  /** The protocol in force. */
  readonly protocol: Protocol;
  /** The test split. */
  readonly dataset: Dataset;
  /** Rows of the evaluation images, in evaluation order. */
  readonly evalRows: Int32Array;
  /**
   * Rows held out for calibration, disjoint from the evaluation images and from each other by purpose.
   * @param purpose - `'ssni'` (up to 1,000 rows) or `'dad'` (up to 2,000 rows).
   * @param count - how many.
   */
  heldOut(purpose: 'ssni' | 'dad', count: number): Int32Array;
  /** The classifier under every defense. */
  readonly classifier: Classifier;
  /** The diffusion UNet (loaded on first use). */
  unet(): Promise<Unet>;
  /** The UNet's noise schedule (linear, T = 1000). */
  readonly schedule: NoiseSchedule;
  /** DAD's parts (loaded on first use). */
  dad(): Promise<DadParts>;
  /** A value computed once per run and shared (e.g. an SSNI calibration), by key. */
  shared<T>(key: string, make: () => Promise<T>): Promise<T>;
  /** Where progress bars go (stderr), or undefined for silence. */
  readonly progress: ProgressSink | undefined;
}

/** One defense adapter: the options it accepts (with defaults) and how to build the defense from them. */
export interface DefenseAdapter {
  /** The protocol name, e.g. `'diffpure'`. */
  readonly name: string;
  /** Every option key with its default (the keys a protocol may use besides `name` and `label`). */
  readonly defaults: Readonly<Record<string, unknown>>;
  /**
   * Builds the defense; checks the options first (unknown keys and bad values are usage errors).
   * @param spec - the protocol entry.
   * @param context - the run context.
   * @param where - where the entry sits, for messages (e.g. `'defenses[2]'`).
   */
  create(spec: DefenseSpec, context: RunContext, where: string): Promise<Defense>;
}
