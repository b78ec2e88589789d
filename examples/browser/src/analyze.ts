import * as tf from '@tensorflow/tfjs';
import { RobustError, projectToBall, type Images, type Labels } from '@robustjs/core';
import { pgd } from '@robustjs/attacks';
import { linearSchedule } from '@robustjs/diffusion';
import { epsNorm, ssniTimesteps } from '@robustjs/ssni';
import type { Models } from './models';

/** What the page shows for one batch. */
export interface BatchResult {
  /** Logits `[N,10]`, row-major. */
  readonly logits: Float32Array;
  /** argmax of each row. */
  readonly predictions: Int32Array;
  /** MMD²(R, B) of DAD's detector. */
  readonly statistic: number;
  /** θ from the DAD manifest. */
  readonly threshold: number;
  /** `statistic > threshold`: DAD would denoise this batch. */
  readonly flagged: boolean;
  /** Milliseconds spent classifying and scoring (data downloaded). */
  readonly ms: { readonly classify: number; readonly detect: number };
}

/** SSNI's EPS norm e(x) and timestep t(x) per image. */
export interface SsniResult {
  readonly norms: Float32Array;
  readonly timesteps: Int32Array;
  readonly ms: number;
}

/**
 * SSNI-N settings of the repository's DiffPure + SSNI evaluation (packages/ssni/results, t* = 100): μ and τ = σ
 * of the EPS norms (T_S = 20, seed 0) of 256 clean training images under the zoo UNet.
 */
export const SSNI_SETTINGS = Object.freeze({
  steps: 20,
  seed: 0,
  tStar: 100,
  bias: 5,
  stats: { mean: 252.859987616539, min: 185.77365112304688, max: 350.49169921875 },
  tau: 25.747837989961695,
});

/** Throws the page's error for a batch of the wrong size (θ holds at the calibrated size only). */
export function checkBatchSize(n: number, batchSize: number): void {
  if (n < batchSize) {
    throw new RobustError(
      'INVALID_ARGUMENT',
      `DAD decides whole batches of ${batchSize} images ` +
        `(θ was calibrated at that size), got ${n} image${n === 1 ? '' : 's'}. Add ${
          batchSize - n
        } more.`,
    );
  }
}

/** Classifies one batch and scores it with DAD's detector. `x`: `[B,28,28,1]` in [0,1], B = θ's batch size. */
export async function analyzeBatch(models: Models, x: Images): Promise<BatchResult> {
  checkBatchSize(x.shape[0], models.threshold.batchSize);
  let t0 = performance.now();
  const logitsT = models.classifier(x);
  const logits = (await logitsT.data()) as Float32Array;
  const predT = tf.argMax(logitsT, 1);
  const predictions = (await predT.data()) as Int32Array;
  tf.dispose([logitsT, predT]);
  const classify = performance.now() - t0;
  t0 = performance.now();
  const s = models.detector.score(x);
  const statistic = ((await s.data()) as Float32Array)[0] as number;
  s.dispose();
  const detect = performance.now() - t0;
  const threshold = models.threshold.value;
  return {
    logits,
    predictions,
    statistic,
    threshold,
    flagged: statistic > threshold,
    ms: { classify, detect },
  };
}

/** SSNI's EPS norm (T_S = 20, seed 0) and SSNI-N timestep of each image. `x`: `[N,28,28,1]` in [0,1]. */
export function ssniPerImage(models: Models, x: Images): SsniResult {
  const t0 = performance.now();
  const { steps, seed, tStar, bias, stats, tau } = SSNI_SETTINGS;
  const norms = epsNorm(models.unet.predict, linearSchedule(), x, { steps, seed });
  const timesteps = ssniTimesteps(norms, stats, 'ssni-n', { tStar, tau, bias });
  return { norms, timesteps, ms: performance.now() - t0 };
}

/** One point of the PGD trace: after `step` steps, the batch's statistic and the classifier's accuracy. */
export interface PgdPoint {
  readonly step: number;
  readonly statistic: number;
  readonly accuracy: number;
  readonly ms: number;
}

/**
 * l_inf PGD on the classifier (no random start), one step at a time so that the page can show DAD's
 * statistic after each: x⁰ = x, x^{k+1} = Π_{B(x,eps) ∩ [0,1]}(one PGD step from x^k). Calls `onPoint` after
 * each step (step 0 = clean); returns the last iterate (the caller disposes it).
 */
export async function pgdTrace(
  models: Models,
  x: Images,
  y: Labels,
  opts: { eps: number; stepSize: number; steps: number },
  onPoint: (p: PgdPoint) => void,
): Promise<Images> {
  checkBatchSize(x.shape[0], models.threshold.batchSize);
  const point = async (step: number, xk: Images, ms: number): Promise<void> => {
    const s = models.detector.score(xk);
    const pred = tf.tidy(() => tf.argMax(models.classifier(xk), 1));
    const hits = tf.tidy(() => tf.sum(tf.cast(tf.equal(pred, y), 'float32')));
    const [statistic, correct] = [(await s.data())[0] as number, (await hits.data())[0] as number];
    tf.dispose([s, pred, hits]);
    onPoint({ step, statistic, accuracy: correct / x.shape[0], ms });
  };
  let xk = tf.clone(x);
  await point(0, xk, 0);
  for (let k = 1; k <= opts.steps; k++) {
    const t0 = performance.now();
    const next = tf.tidy(() => {
      const stepped = pgd(models.classifier, xk, y, {
        eps: opts.stepSize,
        stepSize: opts.stepSize,
        steps: 1,
        randomStart: false,
      });
      return projectToBall(stepped, x, opts.eps, 'linf');
    });
    await next.data();
    xk.dispose();
    xk = next;
    await point(k, xk, performance.now() - t0);
  }
  return xk;
}
