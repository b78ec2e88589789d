import * as tf from '@tensorflow/tfjs';
import { assert, assertNumber, describeValue } from '@robustjs/core';
import type { Timesteps } from '@robustjs/core';

/** Score-SDE's scale of continuous time for VP models: `labels = t * 999` (models/utils.py). */
export const DDPMPP_LABEL_SCALE = 999;

/**
 * The time labels DDPM++ (VP, continuous) is called with for per-sample timesteps, exactly as
 * DiffPure and Score-SDE feed it:
 *
 * - **int32 `t`** — a discrete index n ∈ [0, N) of the N-step VP schedule (β linear from
 *   βmin/N to βmax/N: `linearSchedule()` for N = 1000) — is the continuous time `s = (n + 1)/N`,
 *   and the label is `999·s = 999·(n + 1)/N` (n = 99 → 99.9). DiffPure
 *   (`runners/diffpure_sde.py`) noises x0 to t* with the discrete `ᾱ` at index t* − 1 and starts
 *   the reverse SDE at continuous time (t*)/1000, i.e. index n ↔ s = (n + 1)/N, whose
 *   `m(s)² = exp(−½s²(βmax − βmin) − sβmin)` matches `ᾱ_n` to within 1e-3
 *   (absolute); SSNI's `epsGrid` uses the same correspondence.
 * - **float32 `t`** is already the label `999·s` (s ∈ [0, 1]) and is passed through: the VP-SDE
 *   solvers (`vpSdeStep`, DiffPure's `'sde'` solver) and SSNI's `epsNorm` with a `VpSde` call the
 *   network with `999·s` as float32, Score-SDE's `get_score_fn(continuous=True)`.
 *
 * @param t - `[N]` int32 indices in [0, numScales) or float32 labels in [0, 999].
 * @param numScales - N, the number of discrete steps. Default 1000.
 * @returns `[N]` float32 labels (a new tensor).
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a tensor that is not
 *   rank 1 or an int32 value that is not an index; `OUT_OF_RANGE` for an index outside
 *   [0, numScales) or a label outside [0, 999].
 * @example
 * ```ts
 * ddpmppLabels(tf.tensor1d([0, 99, 999], 'int32')).dataSync(); // [0.999, 99.9, 999]
 * ddpmppLabels(tf.tensor1d([99.9])).dataSync(); // [99.9]
 * ```
 */
export function ddpmppLabels(t: Timesteps, numScales = 1000): tf.Tensor1D {
  const fn = 'ddpmppLabels';
  assertNumber(numScales, 'numScales', fn, { integer: true, min: 2 });
  assert(
    t instanceof tf.Tensor &&
      !t.isDisposed &&
      t.rank === 1 &&
      (t.dtype === 'int32' || t.dtype === 'float32'),
    'INVALID_ARGUMENT',
    () =>
      `Argument 't' passed to '${fn}' must be a live [N] int32 (discrete indices) or float32 ` +
      `(continuous labels 999·s) tensor, got ${describeValue(t)}.`,
  );
  const v = t.dataSync();
  const discrete = t.dtype === 'int32';
  const max = discrete ? numScales - 1 : DDPMPP_LABEL_SCALE;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    assert(
      Number.isFinite(x) && x >= 0 && x <= max,
      'OUT_OF_RANGE',
      () =>
        `Argument 't' passed to '${fn}' must hold ${
          discrete ? `indices in [0, ${max}]` : `labels 999·s in [0, ${max}]`
        }, got ${describeValue(x)} at sample ${i}. ` +
        (discrete
          ? 'Pass indices of the discrete schedule.'
          : 'Scale continuous times s ∈ [0, 1] by 999.'),
    );
  }
  if (!discrete) return tf.clone(t);
  return tf.tensor1d(Float32Array.from(v, (n) => (DDPMPP_LABEL_SCALE * (n + 1)) / numScales));
}
