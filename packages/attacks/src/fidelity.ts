/**
 * Which of two implementations {@link apgd}, {@link apgdT}, {@link square} and {@link autoAttack} follow where
 * the reference code of AutoAttack (fra31/auto-attack: `autopgd_base.py`, `square.py`, `autoattack.py`) and the
 * papers' text differ. The default everywhere is `'reference'`.
 *
 * - `'reference'`: what the reference code computes, point by point, so robust accuracies reproduce numbers
 *   reported with it (up to the random streams, which differ from PyTorch's). Inside {@link autoAttack} this
 *   includes building Square without the rescaled p schedule (`resc_schedule=False` in `autoattack.py`).
 * - `'paper'`: robustjs's earlier behaviour, written from the papers (Croce & Hein 2020, Algorithm 1 and §3.2;
 *   Andriushchenko et al. 2020, Algorithm 2). Square's windows then reach every position, the last row and column
 *   included, which makes it deliberately stronger than the reference (2.6 points lower robust accuracy at 1,000
 *   queries on 500 images in issue 25's comparison); use it for the tightest upper bound, not to compare with
 *   published numbers.
 *
 * Point by point (`'reference'` / `'paper'`):
 * - APGD random start: eps·t/‖t‖∞ with t ~ U(−1,1)ᵈ (l_2: eps·t/‖t‖₂, t ~ N(0,I)) / uniform in the ball (l_2: a
 *   random direction times U(0,1)·eps).
 * - APGD checkpoints: windows of ⌊0.22·N⌋ steps, each next ⌊0.03·N⌋ shorter, at least ⌊0.06·N⌋ / w_j = ⌈p_j·N⌉
 *   with p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06). Both give 22, 41, 57, 70, 80, 87, 93, 99 for N = 100.
 * - APGD condition 1: the loss rose in at most ρ·window steps, the run's first step compared with 0 / in fewer
 *   than ρ·window steps, the first step compared with f(x⁰).
 * - APGD condition 2 at the first checkpoint: never / when f_max did not improve since x⁰.
 * - APGD misclassified iterate kept: the last one of the run / the first one.
 * - Square window corner: 0 … H − s − 1 (`random_int(0, H − s)`) / 0 … H − s.
 * - Square window and signs: one draw per iteration for the whole batch / one draw per sample.
 * - Square side rounding: half to even (Python's `round`) / half up (`Math.round`).
 * - Square p schedule inside {@link autoAttack}: not rescaled, p halves after iterations 10, 50, 200, … / rescaled
 *   to the query budget. Standalone {@link square} rescales in both (`rescaleSchedule`, default `true`).
 *
 * @example
 * ```ts
 * const fidelity: Fidelity = 'reference';
 * const xAdv = square(model, x, y, { queries: 1000, fidelity });
 * ```
 */
export type Fidelity = 'reference' | 'paper';
