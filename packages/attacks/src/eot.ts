/*
 * EOT — Athalye, Engstrom, Ilyas & Kwok, "Synthesizing robust adversarial examples", ICML 2018, eq. (1);
 * Athalye, Carlini & Wagner, "Obfuscated gradients give a false sense of security", ICML 2018, §4.3.
 *
 * Notation (code → paper): model(x, seed) → f(t(x)) with t ~ T drawn by `seed`, samples → number of draws.
 *
 * 1. Draw `samples` seeds from one stream. 2. Average the logits over the draws; autodiff then averages the
 * per-draw vector–Jacobian products, the Monte-Carlo estimate of ∇ E_t[f(t(x))].
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, Logits } from '@robustjs/core';
import type { RandomizedClassifier } from './types';

/** Options of {@link eot}. */
export interface EotOptions {
  /** Number of randomized draws averaged per call; default `20` (DiffPure / SSNI protocol). */
  readonly samples?: number;
  /** Seed of the stream of per-draw seeds; default `0`. */
  readonly seed?: number;
}

/** Defaults of {@link eot}: `samples = 20`, `seed = 0`. */
export const EOT_DEFAULTS = Object.freeze({ samples: 20, seed: 0 } as const);

/**
 * Expectation over transformation (Athalye et al., 2018, "Synthesizing robust adversarial examples";
 * "Obfuscated gradients give a false sense of security"): turns a randomized classifier into a
 * deterministic {@link Classifier} whose logits are the mean over `samples` draws.
 *
 * 1. On each call, draw `samples` positive integer seeds s₁ … s_S from one seeded stream (the stream
 *    advances per call, so the sequence of calls is reproducible from `seed`).
 * 2. Return (1/S) Σ_s model(x, s_s).
 *
 * Because the mean is linear, the gradient of any loss of these logits back-propagates as the average
 * of the per-draw vector–Jacobian products: the EOT gradient. Every attack accepts the result.
 *
 * @param model - a randomized classifier `(x [N,H,W,C], seed) => logits [N,K]`.
 * @param options - {@link EotOptions}; defaults {@link EOT_DEFAULTS}: `samples = 20`, `seed = 0`.
 * @returns a classifier `[N,H,W,C]` → mean logits `[N,K]`.
 * @throws {@link @robustjs/core!index.RobustError} when `model` is not a function, `samples` is not a whole number ≥ 1,
 *   `seed` is not an integer, or an option is unknown.
 * @example
 * ```ts
 * const averaged = eot((x, seed) => classifier(purify(x, { seed })), { samples: 20, seed: 1 });
 * const xAdv = pgd(averaged, x, y);
 * ```
 */
export function eot(model: RandomizedClassifier, options?: EotOptions): Classifier {
  const cfg = resolveOptions<Required<EotOptions>>('eot', EOT_DEFAULTS, options);
  assert(typeof model === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to 'eot' must be a function (x, seed) => logits [N,K], got ${describeValue(model)}.`);
  assertNumber(cfg.samples, 'samples', 'eot', { integer: true, min: 1 });
  assertNumber(cfg.seed, 'seed', 'eot', { integer: true });
  const seeds = seedStream(cfg.seed);
  return (x: Images): Logits =>
    tf.tidy(() => {
      // Seeds are ≥ 1: tfjs's random ops treat a seed of 0 as "unseeded".
      let sum = model(x, seeds.next() + 1);
      for (let s = 1; s < cfg.samples; s++) sum = tf.add(sum, model(x, seeds.next() + 1));
      return tf.div(sum, cfg.samples) as Logits;
    });
}
