import { RobustError, assertNumber, describeValue } from '@robustjs/core';
import type { NoiseSchedule, VpSde } from '@robustjs/diffusion';

/** The forward process EPS perturbs with: a discrete {@link NoiseSchedule} or a continuous {@link VpSde}. */
export type DiffusionProcess = NoiseSchedule | VpSde;

/** The coefficients of one EPS grid point s = k/1000 (internal). */
export interface GridPoint {
  /** `m(s)` (or `sqrt(ᾱ_i)`). */
  readonly mean: number;
  /** `σ(s)` (or `sqrt(1 − ᾱ_i)`). */
  readonly sigma: number;
  /** The model's time input. */
  readonly time: number;
}

function isSchedule(p: DiffusionProcess): p is NoiseSchedule {
  return (p as NoiseSchedule).alphasCumprod instanceof Float64Array;
}

/**
 * Checks a process argument and returns a short description used to match calibrations (internal).
 *
 * @param process - a schedule or a VP-SDE.
 * @param fn - the public function, for messages.
 * @returns e.g. `"schedule:linear:T=1000:betaStart=0.0001:betaEnd=0.02"`,
 *   `"schedule:custom:T=50:fingerprint=<16 hex digits of the betas>"` or `"vpsde:0.1:20"`.
 */
export function describeProcess(process: unknown, fn: string): string {
  const p = process as Partial<NoiseSchedule & VpSde> | undefined;
  if (p && p.alphasCumprod instanceof Float64Array && typeof p.T === 'number') {
    const s = p.settings ?? {};
    return ['schedule', ...Object.entries(s).map(([k, v]) => (k === 'kind' ? String(v) : `${k}=${v}`))].join(':');
  }
  if (p && typeof p.m === 'function' && typeof p.sigma === 'function' && typeof p.betaMin === 'number') {
    return `vpsde:${p.betaMin}:${p.betaMax}`;
  }
  throw new RobustError('INVALID_ARGUMENT',
    `Argument 'process' passed to '${fn}' must be a NoiseSchedule (linearSchedule(), ` +
      'cosineSchedule(), scheduleFromBetas(betas)) or a VpSde (vpSde()) of @robustjs/diffusion,' +
      ` got ${describeValue(process)}. Pass the schedule your model was trained with.`);
}

/**
 * The EPS grid of SSNI's code (`eps_calculation.py::get_eps`): s = k/1000 for k = 1 … steps.
 * - `VpSde`: `u = m(s)·u0 + σ(s)·z`, model time `999·s` (real-valued, as the reference code feeds its
 *   continuous-time network).
 * - `NoiseSchedule` with T steps: the discrete index nearest to s, `i = max(round(s·T) − 1, 0)` (for T = 1000:
 *   `i = k − 1`, whose `ᾱ_i ≈ m(k/1000)²`), `u = sqrt(ᾱ_i)·u0 + sqrt(1 − ᾱ_i)·z`, model time `i` (an integer index,
 *   the `NoisePredictor` contract; the network sees exactly the noise level it was trained on at that index).
 *
 * @param process - the forward process.
 * @param steps - T_S.
 * @param fn - for messages.
 * @returns one entry per k.
 */
export function epsGrid(process: DiffusionProcess, steps: number, fn: string): GridPoint[] {
  assertNumber(steps, 'steps', fn, { integer: true, min: 1, max: 1000 });
  const out: GridPoint[] = [];
  for (let k = 1; k <= steps; k++) {
    const s = k / 1000;
    if (isSchedule(process)) {
      const i = Math.min(Math.max(Math.round(s * process.T) - 1, 0), process.T - 1);
      const ab = process.alphasCumprod[i]!;
      out.push({ mean: Math.sqrt(ab), sigma: Math.sqrt(1 - ab), time: i });
    } else {
      out.push({ mean: process.m(s), sigma: process.sigma(s), time: 999 * s });
    }
  }
  return out;
}
