/*
 * APGD's step-size rule — Croce & Hein, ICML 2020, §3.2 — in the two fidelities of ../fidelity.ts.
 *
 * Notation (code → paper / reference `autopgd_base.py`): checkpoints → W = {w_0, w_1, …}, window → w_j − w_{j−1}
 * (`k`), ups → Σ 1[f(x^(i+1)) > f(x^(i))] (`check_oscillation`), rho → ρ (`thr_decr`), fMax → f_max (`loss_best`),
 * fMaxAtCheck → f_max^(w_{j−1}) (`loss_best_last_check`), reducedAtCheck → η^(w_{j−1}) < η^(w_{j−2})
 * (`reduced_last_check`).
 *
 * At checkpoint w_j, per sample, η halves when
 *   condition 1: ups over the window < ρ·window ('paper', eq. of §3.2) or ≤ ρ·window ('reference'), or
 *   condition 2: η was not halved at w_{j−1} and f_max did not improve since w_{j−1}.
 */
import type { Fidelity } from '../fidelity';

/** The paper's checkpoints w_j = ⌈p_j·N⌉: p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) ≤ 1. */
function paperCheckpoints(steps: number): number[] {
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

/**
 * The reference's checkpoints (`autopgd_base.py`): a first window of `n_iter_2 = max(int(0.22·N), 1)` steps, each
 * next window `size_decr = max(int(0.03·N), 1)` shorter but at least `n_iter_min = max(int(0.06·N), 1)`. For
 * N = 100 this equals the paper's schedule; for other N it does not (N = 50: 11, 21, 30, 38, 45 vs 11, 21, 29, …).
 */
function referenceCheckpoints(steps: number): number[] {
  const decrease = Math.max(Math.trunc(0.03 * steps), 1);
  const shortest = Math.max(Math.trunc(0.06 * steps), 1);
  const w = [0];
  let k = Math.max(Math.trunc(0.22 * steps), 1);
  while ((w[w.length - 1] as number) + k <= steps) {
    w.push((w[w.length - 1] as number) + k);
    k = Math.max(k - decrease, shortest);
  }
  return w;
}

const CHECKPOINTS: Record<Fidelity, (steps: number) => number[]> = {
  paper: paperCheckpoints,
  reference: referenceCheckpoints,
};

/**
 * The checkpoints w₀ = 0 < w₁ < … ≤ `steps` at which APGD's step-size rule runs, as iteration counts.
 *
 * @param steps - N_iter, a whole number ≥ 0.
 * @param fidelity - `'reference'` (integer windows of `autopgd_base.py`) or `'paper'` (⌈p_j·N⌉).
 * @returns the checkpoints, increasing, starting with 0.
 * @example
 * ```ts
 * apgdCheckpoints(100, 'reference'); // [0, 22, 41, 57, 70, 80, 87, 93, 99]
 * ```
 */
export function apgdCheckpoints(steps: number, fidelity: Fidelity): number[] {
  return CHECKPOINTS[fidelity](steps);
}

/** The loss each step's loss is compared with in condition 1: `history[t]` is the losses after t steps. */
const PREVIOUS: Record<Fidelity, (history: readonly Float32Array[], t: number, steps: number) => Float32Array> = {
  paper: (history, t) => history[t - 1] as Float32Array,
  // The reference compares step 1 with `loss_steps[-1]`, the buffer's last row: still 0 unless N_iter = 1.
  reference: (history, t, steps) => {
    if (t > 1) return history[t - 1] as Float32Array;
    return steps === 1 ? (history[1] as Float32Array) : new Float32Array((history[0] as Float32Array).length);
  },
};

/** Condition 1 given the count of rising steps and ρ·window (the reference compares in float32). */
const TOO_FEW_RISES: Record<Fidelity, (ups: number, bound: number) => boolean> = {
  paper: (ups, bound) => ups < bound,
  reference: (ups, bound) => ups <= Math.fround(bound),
};

/** APGD's per-sample step-size rule, fed one step at a time. */
export interface ApgdStepRule {
  /**
   * Records the losses after step `t` (1-based) and the best losses so far.
   *
   * @returns at a checkpoint, which samples halve η (and restart from x_max); otherwise `undefined`.
   */
  observe(t: number, f: Float32Array, fMax: Float32Array): boolean[] | undefined;
}

/**
 * Creates APGD's step-size rule (§3.2) for one run.
 *
 * @param steps - N_iter.
 * @param rho - ρ in [0,1].
 * @param fidelity - which rule, see {@link apgdCheckpoints} and the table in ../fidelity.ts.
 * @param f0 - the losses f(x⁰) at the random start, `[N]`; f_max starts there.
 * @returns the rule.
 * @example
 * ```ts
 * const rule = apgdStepRule(100, 0.75, 'reference', f0);
 * const halve = rule.observe(22, f, fMax); // boolean[N] at checkpoint 22
 * ```
 */
export function apgdStepRule(steps: number, rho: number, fidelity: Fidelity, f0: Float32Array): ApgdStepRule {
  const n = f0.length;
  const checkpoints = apgdCheckpoints(steps, fidelity);
  const history: Float32Array[] = [Float32Array.from(f0)];
  let fMaxAtCheck = Float32Array.from(f0);
  // The reference starts `reduced_last_check` at ones, so condition 2 cannot fire at the first checkpoint.
  let reducedAtCheck = new Array<boolean>(n).fill(fidelity === 'reference');
  let lastCheck = 0;
  return {
    observe(t, f, fMax) {
      history[t] = Float32Array.from(f);
      if (!checkpoints.includes(t) || t <= lastCheck) return undefined;
      const window = t - lastCheck;
      const ups = new Int32Array(n);
      for (let s = lastCheck + 1; s <= t; s++) {
        const now = history[s] as Float32Array;
        const before = PREVIOUS[fidelity](history, s, steps);
        for (let i = 0; i < n; i++) if ((now[i] as number) > (before[i] as number)) ups[i] = (ups[i] as number) + 1;
      }
      const reduce = Array.from({ length: n }, (_, i) =>
        TOO_FEW_RISES[fidelity](ups[i] as number, rho * window) ||
        (!reducedAtCheck[i] && (fMaxAtCheck[i] as number) >= (fMax[i] as number)));
      reducedAtCheck = reduce;
      fMaxAtCheck = Float32Array.from(fMax);
      lastCheck = t;
      return reduce;
    },
  };
}
