/*
 * AutoAttack — Croce & Hein, "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", ICML 2020, §4: run the attacks of a version in order, each only on the points
 * every previous attack failed on, and keep per sample the first successful adversarial image.
 *
 * Versions (code → paper / reference package `autoattack`):
 *   'standard' → APGD-CE, APGD-T (9 targets), FAB-T (9 targets, 1 restart), Square (5000 queries, p = 0.8),
 *                for l_inf and l_2; APGD and FAB-T share `steps` (100 in the reference for both);
 *   'rand'     → APGD-CE and APGD-DLR with EOT over 20 draws: pass `eot(randomizedModel, { samples: 20 })`
 *                as `model` (EOT is a model wrapper here, not an attack option).
 *
 * `fidelity` (fidelity.ts) is handed to APGD, APGD-T and Square; with 'reference' (the default) Square is built as
 * autoattack.py builds it, `SquareAttack(..., resc_schedule=False)`: the p schedule is not rescaled to the budget.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertNorm, assertNumber, resolveOptions, seedStream } from '@robustjs/core';
import type { Classifier, Images, Labels } from '@robustjs/core';
import { apgd } from './apgd';
import { apgdT } from './apgdT';
import { fabT } from './fabT';
import { checkAttackInputs } from './internal/checkAttackInputs';
import { square } from './square';
import type { Fidelity } from './fidelity';
import { assertFidelity } from './internal/assertFidelity';
import type { Norm } from './types';

/** The attack lists of {@link autoAttack}: `'standard'` (APGD-CE, APGD-T, FAB-T, Square) or `'rand'` (APGD-CE, APGD-DLR). */
export type AutoAttackVersion = 'standard' | 'rand';

/** Options of {@link autoAttack}. */
export interface AutoAttackOptions {
  /** Budget in `norm`; default `8/255`. */
  readonly eps?: number;
  /** `'linf'` or `'l2'`; default `'linf'`. */
  readonly norm?: Norm;
  /** `'standard'` or `'rand'`; default `'standard'`. */
  readonly version?: AutoAttackVersion;
  /** APGD and FAB-T iterations; default `100`. */
  readonly steps?: number;
  /** Square Attack queries; default `5000`. */
  readonly queries?: number;
  /** Seed of every component's randomness; default `0`. */
  readonly seed?: number;
  /**
   * `'reference'` (APGD, APGD-T and Square exactly as fra31/auto-attack runs them, Square's p schedule not
   * rescaled; reproduces its numbers) or `'paper'` (robustjs's earlier, stronger variants, Square's schedule
   * rescaled to `queries`); see {@link Fidelity}. Default `'reference'`.
   */
  readonly fidelity?: Fidelity;
}

/**
 * Defaults of {@link autoAttack}: `eps = 8/255`, `norm = 'linf'`, `version = 'standard'`, `steps = 100`,
 * `queries = 5000`, `seed = 0`, `fidelity = 'reference'`.
 */
export const AUTO_ATTACK_DEFAULTS = Object.freeze({
  eps: 8 / 255,
  norm: 'linf',
  version: 'standard',
  steps: 100,
  queries: 5000,
  seed: 0,
  fidelity: 'reference',
} as const);

/** Whether Square's p schedule is rescaled to the budget: autoattack.py builds it with `resc_schedule=False`. */
const RESCALE_SQUARE: Record<Fidelity, boolean> = { reference: false, paper: true };

type Component = (model: Classifier, x: Images, y: Labels, cfg: Required<AutoAttackOptions>, seed: number) => Images;

const VERSIONS: Record<AutoAttackVersion, Component[]> = {
  standard: [
    (m, x, y, { eps, norm, steps, fidelity }, seed) => apgd(m, x, y, { eps, norm, steps, loss: 'ce', seed, fidelity }),
    (m, x, y, { eps, norm, steps, fidelity }, seed) => apgdT(m, x, y, { eps, norm, steps, seed, fidelity }),
    (m, x, y, { eps, norm, steps }, seed) => fabT(m, x, y, { eps, norm, steps, seed }),
    (m, x, y, { eps, norm, queries, fidelity }, seed) =>
      square(m, x, y, { eps, norm, queries, seed, fidelity, rescaleSchedule: RESCALE_SQUARE[fidelity] }),
  ],
  rand: [
    (m, x, y, { eps, norm, steps, fidelity }, seed) => apgd(m, x, y, { eps, norm, steps, loss: 'ce', seed, fidelity }),
    (m, x, y, { eps, norm, steps, fidelity }, seed) => apgd(m, x, y, { eps, norm, steps, loss: 'dlr', seed, fidelity }),
  ],
};

function correctMask(model: Classifier, x: Images, y: Labels): boolean[] {
  return tf.tidy(() => Array.from(tf.equal(tf.argMax(model(x), 1), y).dataSync(), (v) => v === 1));
}

/**
 * AutoAttack (Croce & Hein, ICML 2020, §4) as one attack: the components of `version` run in order, each
 * only on the samples still classified correctly; per sample the first successful adversarial image is kept.
 *
 * 1. Mark the samples the model gets right on `x`; the others are returned unchanged.
 * 2. For each component (`'standard'`: APGD-CE, APGD-T, FAB-T (eps-bounded), Square;
 *    `'rand'`: APGD-CE, APGD-DLR, meant for an `eot`-wrapped model), attack the still-correct samples and
 *    write back those it misclassifies.
 * 3. Return the images: adversarial where some component succeeded, `x` elsewhere.
 *
 * With `fidelity: 'reference'` (the default) the robust accuracy reproduces fra31/auto-attack's
 * `AutoAttack(..., version='standard')` (Linf or L2): APGD-CE (1 restart), APGD-T (9 targets) and Square (5000
 * queries, p = 0.8) as the reference runs them, Square without the rescaled schedule (p halves after iterations
 * 10, 50, 200, 500, 1000, 2000 and 4000 of the 5000). `fidelity: 'paper'` gives robustjs's earlier variants
 * (Square's schedule rescaled and its windows at every position), deliberately stronger. Remaining deviations in
 * `'reference'` mode: the random draws come from tfjs and robustjs's seed streams, not PyTorch's, and each
 * component gets its own seed from `seed` (the reference gives every attack the same seed), so numbers agree
 * statistically, not bit for bit; FAB-T is not covered by `fidelity` (see {@link fabT}); the reference's checks
 * (randomness, output range, dynamic models) and its l_1 and `'plus'` versions are not run; see {@link apgd},
 * {@link apgdT} and {@link square} for theirs.
 *
 * @param model - the classifier, `[N,H,W,C]` in [0,1] → logits `[N,K]` (K ≥ 4 for `'standard'`, which runs APGD-T).
 * @param x - clean images `[N,H,W,C]` float32 in [0,1].
 * @param y - true labels `[N]` int32 in [0, K).
 * @param options - {@link AutoAttackOptions}; defaults {@link AUTO_ATTACK_DEFAULTS}.
 * @returns images `[N,H,W,C]` inside the eps-ball of `norm` around `x` and in [0,1].
 * @throws {@link @robustjs/core!index.RobustError} on bad `x`/`y`, `eps < 0`, bad `steps`/`queries`, an invalid `norm`,
 *   `version` or `fidelity`, K < 4 with `'standard'`, a batch mismatch, or an unknown option.
 * @example
 * ```ts
 * const xAdv = autoAttack(model, x, y, { eps: 8 / 255, version: 'standard' });
 * const xStrong = autoAttack(model, x, y, { eps: 8 / 255, fidelity: 'paper' });
 * ```
 */
export function autoAttack(model: Classifier, x: Images, y: Labels, options?: AutoAttackOptions): Images {
  const cfg = resolveOptions<Required<AutoAttackOptions>>('autoAttack', AUTO_ATTACK_DEFAULTS, options);
  const k = checkAttackInputs('autoAttack', model, x, y, { eps: cfg.eps, steps: cfg.steps, seed: cfg.seed });
  assertNorm(cfg.norm, 'autoAttack');
  assertFidelity(cfg.fidelity, 'autoAttack');
  assert(Object.prototype.hasOwnProperty.call(VERSIONS, cfg.version), 'INVALID_ARGUMENT', () =>
    `Option 'version' passed to 'autoAttack' must be one of ${Object.keys(VERSIONS).map((v) => `'${v}'`).join(', ')}, got ${JSON.stringify(cfg.version)}.`);
  assert(cfg.version !== 'standard' || k >= 4, 'INVALID_ARGUMENT', () =>
    `Argument 'model' passed to 'autoAttack' must have at least 4 classes for version 'standard' (APGD-T), got ${k}. Use version 'rand'.`);
  assertNumber(cfg.queries, 'queries', 'autoAttack', { integer: true, min: 0 });
  const seeds = seedStream(cfg.seed);
  const robust = correctMask(model, x, y);
  let out = tf.clone(x);
  for (const component of VERSIONS[cfg.version]) {
    const seed = seeds.next();
    const open = robust.map((r, i) => (r ? i : -1)).filter((i) => i >= 0);
    if (open.length === 0) break;
    const idx = tf.tensor1d(open, 'int32');
    const xs = tf.gather(x, idx) as Images;
    const ys = tf.gather(y, idx) as Labels;
    const adv = component(model, xs, ys, cfg, seed);
    const ok = correctMask(model, adv, ys);
    const broken = open.filter((_, j) => !ok[j]);
    if (broken.length > 0) {
      const next = tf.tidy(() => {
        const rows = tf.tensor1d(open.map((_, j) => j).filter((j) => !ok[j]), 'int32');
        const at = tf.reshape(tf.tensor1d(broken, 'int32'), [-1, 1]);
        const scattered = tf.scatterND(at, tf.gather(adv, rows), out.shape) as Images;
        const mask = tf.scatterND(at, tf.ones([broken.length]), [x.shape[0]]);
        return tf.where(tf.greater(tf.reshape(mask, [-1, 1, 1, 1]), 0), scattered, out) as Images;
      });
      out.dispose();
      out = next;
      for (const i of broken) robust[i] = false;
    }
    tf.dispose([idx, xs, ys, adv]);
  }
  return out;
}
