import { assert } from '@robustjs/core';
import type { NoiseSchedule } from '../schedule';
import { vpSde, type VpSde } from '../vpSde';

/** T·β rounded to 12 significant digits (so 1000 · 0.02 is 20, not 20.000000000000004). */
const scaled = (T: number, beta: number): number => Number((T * beta).toPrecision(12));

/**
 * The VP-SDE whose discretisation is `schedule`, for DiffPure's `'sde'` solver when no SDE is
 * given: the VP-SDE has a linear β(s) = βmin + s(βmax − βmin), the continuous limit of linear
 * betas with βmin = T·β_0 and βmax = T·β_{T−1} (0.1 and 20 for `linearSchedule()`). A linear
 * schedule, or a custom one whose betas are linear in the index, gets that SDE.
 *
 * @param schedule - the purifier's schedule.
 * @param fn - the public function, for messages.
 * @returns the matching VP-SDE.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a schedule that is not
 *   linear (cosine, or custom betas that are not linear): no VP-SDE matches it, so the caller must
 *   pass its own `sde` or use the `'ddpm'` solver.
 * @example
 * ```ts
 * sdeForSchedule(linearSchedule(), 'diffPure'); // vpSde({ betaMin: 0.1, betaMax: 20 })
 * ```
 */
export function sdeForSchedule(schedule: NoiseSchedule, fn: string): VpSde {
  const { T, betas } = schedule;
  const first = betas[0]!;
  const last = betas[T - 1]!;
  const slope = T === 1 ? 0 : (last - first) / (T - 1);
  let linear = schedule.kind === 'linear';
  if (schedule.kind === 'custom') {
    linear = last >= first;
    for (let i = 0; i < T && linear; i++) {
      linear = Math.abs(betas[i]! - (first + slope * i)) <= 1e-9 * last;
    }
  }
  assert(linear, 'INVALID_ARGUMENT', () =>
    `Option 'solver' 'sde' of '${fn}' integrates a VP-SDE, whose β(s) is linear, but the ` +
      `'${schedule.kind}' schedule's betas are not linear in the step: no VP-SDE matches it. ` +
      "Pass the SDE your model was trained with as option 'sde' (vpSde({ betaMin, betaMax })), " +
      "or use solver 'ddpm', which follows any schedule.");
  const betaMin = scaled(T, first);
  return vpSde({ betaMin, betaMax: Math.max(scaled(T, last), betaMin) });
}
