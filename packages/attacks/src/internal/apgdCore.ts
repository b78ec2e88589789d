import * as tf from '@tensorflow/tfjs';
import { ascentDirection, projectToBall } from '@robustjs/core';
import type { Classifier, Images } from '@robustjs/core';
import type { Fidelity } from '../fidelity';
import type { Norm } from '../types';
import { apgdStart } from './apgdStart';
import { apgdStepRule } from './apgdSchedule';

/** Settings of one APGD run, already validated. */
export interface ApgdRunConfig {
  readonly eps: number;
  readonly steps: number;
  readonly norm: Norm;
  readonly rho: number;
  readonly alpha: number;
  readonly seed: number;
  readonly fidelity: Fidelity;
}

function select(mask: boolean[], a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.where(tf.reshape(tf.tensor1d(mask, 'bool'), [-1, 1, 1, 1]), a, b) as tf.Tensor4D);
}

/** Which misclassified iterates overwrite the kept one: every one ('reference': the last is kept), or the first. */
const KEEP: Record<Fidelity, (ok: boolean[], found: boolean[]) => boolean[]> = {
  reference: (ok) => ok,
  paper: (ok, found) => ok.map((o, i) => o && !found[i]),
};

/**
 * One APGD run (Croce & Hein, 2020, Algorithm 1) ascending `loss`, returning per sample a point where `success`
 * held if any (the last such iterate for `'reference'`, the first for `'paper'`), else the point of highest loss,
 * and the success flags.
 *
 * 1. x⁰ = internal/apgdStart.ts's random start; η = 2·eps per sample; compute f(x⁰), ∇f(x⁰).
 * 2. z = P(xᵏ + η·d(∇f(xᵏ))) with d = sign (l_inf) or g/‖g‖₂ (l_2);
 *    xᵏ⁺¹ = P(xᵏ + α(z − xᵏ) + (1 − α)(xᵏ − xᵏ⁻¹)), with α = 1 at k = 0 and `alpha` after.
 * 3. Keep x_max, f_max, ∇f(x_max) per sample.
 * 4. At each checkpoint, halve η where internal/apgdSchedule.ts's rule says so (condition 1 or 2 of §3.2) and
 *    restart those samples from x_max with ∇f(x_max).
 */
export function apgdRun(
  model: Classifier,
  x: Images,
  loss: (logits: tf.Tensor2D) => tf.Tensor1D,
  success: (logits: tf.Tensor2D) => tf.Tensor1D,
  cfg: ApgdRunConfig,
): { xAdv: Images; found: boolean[] } {
  const n = x.shape[0];
  const { eps, norm, steps } = cfg;
  // One forward + backward per step: the logits are kept out of the gradient scope for loss and success.
  const evaluate = (xx: Images): { g: tf.Tensor4D; f: Float32Array; ok: boolean[] } => {
    let logits: tf.Tensor2D | undefined;
    const { value, grad } = tf.valueAndGrad((v: tf.Tensor) => {
      const z = model(v as Images);
      logits = tf.keep(tf.clone(z));
      return tf.sum(loss(z));
    })(xx);
    value.dispose();
    const kept = logits as tf.Tensor2D;
    const [f, ok] = tf.tidy(() => [loss(kept), success(kept)]);
    const out = { g: grad as tf.Tensor4D, f: f.dataSync() as Float32Array, ok: Array.from(ok.dataSync(), (v) => v > 0) };
    tf.dispose([f, ok, kept]);
    return out;
  };
  const eta = new Float32Array(n).fill(2 * eps);
  let xk = apgdStart(x, eps, norm, cfg.seed, cfg.fidelity);
  let xPrev = tf.clone(xk);
  let { g, f, ok } = evaluate(xk);
  let xMax = tf.clone(xk);
  let gMax = tf.clone(g);
  const fMax = Float32Array.from(f);
  let xOut = tf.clone(xk);
  const found = ok.slice();
  const rule = apgdStepRule(steps, cfg.rho, cfg.fidelity, f);
  for (let k = 0; k < steps; k++) {
    const a = k === 0 ? 1 : cfg.alpha;
    const next = tf.tidy(() => {
      const etaT = tf.reshape(tf.tensor1d(eta), [n, 1, 1, 1]);
      const z = projectToBall(tf.add(xk, tf.mul(etaT, ascentDirection(g, norm))), x, eps, norm);
      const mom = tf.add(tf.mul(a, tf.sub(z, xk)), tf.mul(1 - a, tf.sub(xk, xPrev)));
      return projectToBall(tf.add(xk, mom), x, eps, norm);
    });
    xPrev.dispose();
    xPrev = xk;
    xk = next;
    g.dispose();
    ({ g, f, ok } = evaluate(xk));
    const keep = KEEP[cfg.fidelity](ok, found);
    if (keep.some(Boolean)) {
      const t = select(keep, xk, xOut);
      xOut.dispose();
      xOut = t;
      ok.forEach((v, i) => { if (v) found[i] = true; });
    }
    const improved = Array.from(f, (v, i) => v > (fMax[i] as number));
    improved.forEach((v, i) => { if (v) fMax[i] = f[i] as number; });
    if (improved.some(Boolean)) {
      const xm = select(improved, xk, xMax);
      const gm = select(improved, g, gMax);
      tf.dispose([xMax, gMax]);
      xMax = xm;
      gMax = gm;
    }
    const reduce = rule.observe(k + 1, f, fMax);
    if (reduce?.some(Boolean)) {
      reduce.forEach((r, i) => { if (r) eta[i] = (eta[i] as number) / 2; });
      const xr = select(reduce, xMax, xk);
      const gr = select(reduce, gMax, g);
      tf.dispose([xk, g]);
      xk = xr;
      g = gr;
    }
  }
  const xAdv = select(found, xOut, xMax);
  tf.dispose([xk, xPrev, g, gMax, xMax, xOut]);
  return { xAdv, found };
}
