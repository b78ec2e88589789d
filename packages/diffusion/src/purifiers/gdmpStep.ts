import * as tf from '@tensorflow/tfjs';
import type { NoisePredictor } from '@robustjs/core';
import type { NoiseSchedule } from '../schedule';
import { perSample } from '../timesteps';
import type { GdmpGuidance } from './types';

/**
 * One guided DDPM step of GDMP (Wang et al. 2022, [arXiv:2205.14969](https://arxiv.org/abs/2205.14969)), per sample from index a to b < a (a == b is
 * the identity): `û0 = clip((u − sqrt(1−ᾱ_a)ε̂)/sqrt(ᾱ_a), −1, 1)`, posterior mean of q(u_b | u_a, û0),
 * "fixed-large" variance `Σ = 1 − ᾱ_a/ᾱ_b` (β_a for adjacent indices), plus the guidance
 * `Σ·scale_a·∇_u[−MSE(u, u_adv,a)]` with `u_adv,a = sqrt(ᾱ_a)·u_adv + sqrt(1−ᾱ_a)·z'` and
 * `scale_a = sqrt(1−ᾱ_a)/(m·sqrt(ᾱ_a))`, `m = (2·ptb)/3/guideScale`; no noise on the last step (b = −1).
 * The MSE is a per-sample mean over H·W·C (the reference averages over the whole batch, which makes each
 * image's guidance depend on the batch size; per sample equals the reference at batch size 1).
 *
 * @param model - epsilon predictor.
 * @param schedule - the schedule.
 * @param u - current images at indices `from`.
 * @param from - per-sample a.
 * @param to - per-sample b.
 * @param guidance - the guidance settings, or null for plain DDPM with clipping and fixed-large variance.
 * @param uAdv - the guidance target (the purifier's input, diffusion space).
 * @param seed - seed of z and z'.
 * @returns the images at indices `to`.
 */
export function gdmpStep(model: NoisePredictor, schedule: NoiseSchedule, u: tf.Tensor4D, from: Int32Array, to: Int32Array,
  guidance: GdmpGuidance | null, uAdv: tf.Tensor4D, seed: number): tf.Tensor4D {
  const n = u.shape[0];
  const cX = new Float64Array(n);
  const cU = new Float64Array(n);
  const cG = new Float64Array(n);
  const cZ = new Float64Array(n);
  const sA = new Float64Array(n);
  const sB = new Float64Array(n);
  const rA = new Float64Array(n);
  const qA = new Float64Array(n);
  let moves = false;
  const D = u.shape[1] * u.shape[2] * u.shape[3];
  const m = guidance === null ? 0 : (2 * guidance.ptb) / 3 / guidance.scale;
  for (let i = 0; i < n; i++) {
    const a = from[i]!;
    const b = to[i]!;
    sA[i] = 1;
    if (a === b) {
      cU[i] = 1;
      continue;
    }
    moves = true;
    const abA = schedule.alphasCumprod[a]!;
    const abB = b < 0 ? 1 : schedule.alphasCumprod[b]!;
    const alphaAB = abA / abB;
    sA[i] = 1 / Math.sqrt(abA);
    sB[i] = Math.sqrt(1 - abA) / Math.sqrt(abA);
    rA[i] = Math.sqrt(abA);
    qA[i] = Math.sqrt(1 - abA);
    cX[i] = (Math.sqrt(abB) * (1 - alphaAB)) / (1 - abA);
    cU[i] = (Math.sqrt(alphaAB) * (1 - abB)) / (1 - abA);
    const variance = 1 - alphaAB;
    // ∇_u[−mean((u − target)²)] = −2(u − target)/D, times Σ·scale
    cG[i] = guidance === null ? 0 : (variance * (Math.sqrt(1 - abA) / (m * Math.sqrt(abA))) * 2) / D;
    cZ[i] = b < 0 ? 0 : Math.sqrt(variance);
  }
  if (!moves) return tf.clone(u);
  return tf.tidy(() => {
    const eps = model(u, tf.tensor1d(Int32Array.from(from), 'int32'));
    const x0 = tf.clipByValue(tf.sub(tf.mul(u, perSample(sA)), tf.mul(eps, perSample(sB))), -1, 1);
    let next = tf.add(tf.mul(x0, perSample(cX)), tf.mul(u, perSample(cU)));
    if (guidance !== null) {
      const zg = tf.randomNormal(u.shape, 0, 1, 'float32', seed + 1);
      const target = tf.add(tf.mul(uAdv, perSample(rA)), tf.mul(zg, perSample(qA)));
      next = tf.add(next, tf.mul(tf.sub(target, u), perSample(cG)));
    }
    const z = tf.randomNormal(u.shape, 0, 1, 'float32', seed);
    return tf.add(next, tf.mul(z, perSample(cZ))) as tf.Tensor4D;
  });
}
