import * as tf from '@tensorflow/tfjs';
import type { Classifier, Images } from '@robustjs/core';
import type { Norm } from '../types';
import { ascentDirection, projectToBall, randomStart } from './ball';

/** Settings of one APGD run, already validated. */
export interface ApgdRunConfig {
  readonly eps: number;
  readonly steps: number;
  readonly norm: Norm;
  readonly rho: number;
  readonly alpha: number;
  readonly seed: number;
}

/**
 * Checkpoints w_j = ⌈p_j · N_iter⌉ of Croce & Hein (2020), §3.2: p₀ = 0, p₁ = 0.22,
 * p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06), kept while p_j ≤ 1. Duplicates are dropped.
 */
export function apgdCheckpoints(steps: number): number[] {
  const p = [0, 0.22];
  while (true) {
    const last = p[p.length - 1] as number;
    const next = last + Math.max(last - (p[p.length - 2] as number) - 0.03, 0.06);
    if (next > 1) break;
    p.push(next);
  }
  const w = p.map((pj) => Math.ceil(pj * steps - 1e-9)).filter((wj) => wj <= steps);
  return [...new Set(w)];
}

function select(mask: boolean[], a: tf.Tensor4D, b: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.where(tf.reshape(tf.tensor1d(mask, 'bool'), [-1, 1, 1, 1]), a, b) as tf.Tensor4D);
}

/**
 * One APGD run (Croce & Hein, 2020, Algorithm 1) ascending `loss`, returning per sample the first point
 * where `success` held if any, else the point of highest loss, and the success flags.
 *
 * 1. x⁰ = random point of the eps-ball ∩ [0,1]; η = 2·eps per sample; compute f(x⁰), ∇f(x⁰).
 * 2. z = P(xᵏ + η·d(∇f(xᵏ))) with d = sign (l_inf) or g/‖g‖₂ (l_2);
 *    xᵏ⁺¹ = P(xᵏ + α(z − xᵏ) + (1 − α)(xᵏ − xᵏ⁻¹)), with α = 1 at k = 0 and `alpha` after.
 * 3. Keep x_max, f_max, ∇f(x_max) per sample; count the steps whose loss rose.
 * 4. At each checkpoint w_j: halve η where (a) the loss rose in fewer than ρ·(w_j − w_{j−1}) steps, or
 *    (b) η was not halved at w_{j−1} and f_max did not improve since; restart those samples from x_max.
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
  const checkpoints = apgdCheckpoints(steps);
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
  let xk = randomStart(x, eps, norm, cfg.seed);
  let xPrev = tf.clone(xk);
  let { g, f, ok } = evaluate(xk);
  let xMax = tf.clone(xk);
  let gMax = tf.clone(g);
  const fMax = Float32Array.from(f);
  let xOut = tf.clone(xk);
  const found = ok.slice();
  let fMaxAtCheck = Float32Array.from(fMax);
  let reducedAtCheck = new Array<boolean>(n).fill(false);
  let increases = new Int32Array(n);
  let lastCheck = 0;
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
    const fPrev = f;
    ({ g, f, ok } = evaluate(xk));
    const newlyFound = ok.map((o, i) => o && !found[i]);
    if (newlyFound.some(Boolean)) {
      const t = select(newlyFound, xk, xOut);
      xOut.dispose();
      xOut = t;
      newlyFound.forEach((v, i) => { if (v) found[i] = true; });
    }
    const improved = Array.from(f, (v, i) => v > (fMax[i] as number));
    for (let i = 0; i < n; i++) {
      if ((f[i] as number) > (fPrev[i] as number)) increases[i] = (increases[i] as number) + 1;
      if (improved[i]) fMax[i] = f[i] as number;
    }
    if (improved.some(Boolean)) {
      const xm = select(improved, xk, xMax);
      const gm = select(improved, g, gMax);
      tf.dispose([xMax, gMax]);
      xMax = xm;
      gMax = gm;
    }
    if (checkpoints.includes(k + 1) && k + 1 > lastCheck) {
      const span = k + 1 - lastCheck;
      const reduce = Array.from({ length: n }, (_, i) =>
        (increases[i] as number) < cfg.rho * span || (!reducedAtCheck[i] && (fMaxAtCheck[i] as number) >= (fMax[i] as number)));
      reduce.forEach((r, i) => { if (r) eta[i] = (eta[i] as number) / 2; });
      if (reduce.some(Boolean)) {
        const xr = select(reduce, xMax, xk);
        const gr = select(reduce, gMax, g);
        tf.dispose([xk, g]);
        xk = xr;
        g = gr;
      }
      reducedAtCheck = reduce;
      fMaxAtCheck = Float32Array.from(fMax);
      increases = new Int32Array(n);
      lastCheck = k + 1;
    }
  }
  const xAdv = select(found, xOut, xMax);
  tf.dispose([xk, xPrev, g, gMax, xMax, xOut]);
  return { xAdv, found };
}
