import { assertNumber, resolveOptions } from '@robustjs/core';

/**
 * The continuous variance-preserving SDE of Song et al. (2021): `β(s) = βmin + s(βmax − βmin)` for s in [0,1],
 * marginal `u_s = m(s)·u_0 + σ(s)·z` with `log m(s) = −¼ s²(βmax − βmin) − ½ s βmin` and `σ(s) = sqrt(1 − m(s)²)`.
 * With βmin = 0.1, βmax = 20 it is the continuous limit of the linear DDPM schedule (`ᾱ_i ≈ m((i+1)/1000)²`).
 */
export interface VpSde {
  /** βmin (default 0.1). */
  readonly betaMin: number;
  /** βmax (default 20). */
  readonly betaMax: number;
  /** `β(s)`. */
  beta(s: number): number;
  /** `m(s)`, the mean coefficient. */
  m(s: number): number;
  /** `σ(s) = sqrt(1 − m(s)²)`. */
  sigma(s: number): number;
}

/** Options of {@link vpSde}. */
export interface VpSdeOptions {
  /** βmin. Default 0.1. */
  readonly betaMin: number;
  /** βmax. Default 20. */
  readonly betaMax: number;
}

/**
 * Builds the VP-SDE (Song et al., ICLR 2021, [arXiv:2011.13456](https://arxiv.org/abs/2011.13456)).
 *
 * @param options - `betaMin` (default 0.1), `betaMax` (default 20).
 * @returns the SDE's coefficient functions.
 * @throws RobustError for βmin ≤ 0 or βmax < βmin; `UNKNOWN_OPTION` for other keys.
 * @example
 * ```ts
 * const sde = vpSde();
 * sde.sigma(0.1); // ≈ 0.3255
 * ```
 */
export function vpSde(options?: Partial<VpSdeOptions>): VpSde {
  const fn = 'vpSde';
  const o = resolveOptions(fn, { betaMin: 0.1, betaMax: 20 }, options);
  assertNumber(o.betaMin, 'betaMin', fn, { greaterThan: 0 });
  assertNumber(o.betaMax, 'betaMax', fn, { min: o.betaMin });
  const { betaMin, betaMax } = o;
  const m = (s: number): number => Math.exp(-0.25 * s * s * (betaMax - betaMin) - 0.5 * s * betaMin);
  return Object.freeze({
    betaMin,
    betaMax,
    beta: (s: number) => betaMin + s * (betaMax - betaMin),
    m,
    sigma: (s: number) => Math.sqrt(Math.max(0, 1 - m(s) ** 2)),
  });
}
