import * as tf from '@tensorflow/tfjs';
import { seedStream, type Classifier, type Images } from '@robustjs/core';
import type { DiffusionPurifier, GradientMode } from '@robustjs/diffusion';
import { argmax, pgdEot } from './pgdEot';
import type { BatchOutcome, Defense, RunContext } from './types';

/** What a diffusion adapter (DiffPure, GDMP, GNS) builds before it becomes a {@link Defense}, and what SSNI wraps (internal). */
export interface DiffusionSetup {
  /** E.g. `'DiffPure'`. */
  readonly label: string;
  /** The defense chain (full defense steps). */
  readonly purifier: DiffusionPurifier;
  /** The chain the attack's surrogate is made from (`surrogateBase.with({ steps: surrogateSteps, gradient })`). */
  readonly surrogateBase: DiffusionPurifier;
  /** How the surrogate differs from the defense besides its steps, in words (e.g. `'without guidance'`), or `''`. */
  readonly surrogateNote: string;
  /** Denoising steps of the attack's surrogate chain, one per stage. */
  readonly surrogateSteps: readonly number[];
  /** How gradients flow through the surrogate. */
  readonly gradient: GradientMode;
  /** Purification runs voted over (GNS), 1 otherwise. */
  readonly runs: number;
  /** Resolved settings for the report. */
  readonly settings: Readonly<Record<string, unknown>>;
}

/** `'PGD+EOT, full backprop through a 5-step surrogate'` and the like (internal). */
export function describeSurrogate(setup: DiffusionSetup, prefix = 'PGD+EOT'): string {
  const how = setup.gradient === 'bpda' ? 'BPDA (identity backward) around' : setup.gradient === 'checkpoint' ? 'checkpointed backprop through' : 'full backprop through';
  return `${prefix}, ${how} a ${setup.surrogateSteps.join('+')}-step ${setup.label} surrogate chain${setup.surrogateNote === '' ? '' : ` ${setup.surrogateNote}`}`;
}

/**
 * Classifies with `runs` purifications (majority vote, ties to the smaller class) (internal).
 *
 * @param classifier - h.
 * @param purify - one purification with a seed.
 * @param x - the batch.
 * @param runs - purification runs.
 * @param seed - the batch seed.
 * @param keepPurified - keep the first run's images.
 */
export function voteClassify(classifier: Classifier, purify: (x: Images, seed: number) => tf.Tensor4D, x: Images, runs: number,
  seed: number, keepPurified: boolean): { predictions: Int32Array; purified?: tf.Tensor4D } {
  const seeds = seedStream(seed);
  let votes: tf.Tensor2D | undefined;
  let first: tf.Tensor4D | undefined;
  for (let r = 0; r < runs; r++) {
    const s = seeds.next() + 1;
    const next = tf.tidy(() => {
      const p = purify(x, s);
      if (r === 0 && keepPurified) first = tf.keep(p);
      const logits = classifier(p);
      const oneHot = tf.oneHot(tf.argMax(logits, 1) as tf.Tensor1D, logits.shape[1]) as tf.Tensor2D;
      return votes === undefined ? oneHot : (tf.add(votes, oneHot) as tf.Tensor2D);
    });
    votes?.dispose();
    votes = next;
  }
  const predictions = argmax(votes as tf.Tensor2D); // argMax returns the first maximum: ties → smaller class
  votes?.dispose();
  return first === undefined ? { predictions } : { predictions, purified: first };
}

/**
 * Turns a {@link DiffusionSetup} into a {@link Defense}: classify = purify (vote over runs) then classify;
 * attack = PGD+EOT through the surrogate chain (internal).
 *
 * @param setup - the setup.
 * @param context - the run context.
 * @param label - the row label (default the setup's).
 */
export function diffusionDefense(setup: DiffusionSetup, context: RunContext, label: string | undefined): Defense {
  const { classifier } = context;
  const surrogate = setup.surrogateBase.with({ steps: [...setup.surrogateSteps], gradient: setup.gradient });
  const attackModel = (x: Images, seed: number): tf.Tensor2D => classifier(surrogate.purify(x, { seed }));
  return {
    label: label ?? setup.label,
    base: undefined,
    settings: setup.settings,
    attackDescription: describeSurrogate(setup),
    classify(x, seed, keepPurified): BatchOutcome {
      return voteClassify(classifier, (xx, s) => setup.purifier.purify(xx, { seed: s }), x, setup.runs, seed, keepPurified);
    },
    attack(x, y, attack, seed, onProgress) {
      return [pgdEot(attackModel, true, x, y, attack, seed, context.protocol.chunkSize, onProgress)];
    },
    dispose() {},
  };
}
