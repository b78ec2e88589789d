import { describe, expect, it } from 'vitest';
import { apgdCheckpoints, apgdStepRule } from './apgdSchedule';

// Golden values derived by hand from fra31/auto-attack's autopgd_base.py (`APGDAttack.__init__` and
// `attack_single_run`): n_iter_2 = max(int(0.22·N), 1), size_decr = max(int(0.03·N), 1),
// n_iter_min = max(int(0.06·N), 1); a check runs when `counter3 == k`, then k = max(k − size_decr, n_iter_min).
// `check_oscillation` counts loss_steps[j] > loss_steps[j − 1] over the window and flags t <= k·thr_decr;
// `fl_reduce_no_impr` needs `reduced_last_check` = 0, which starts at ones.

/**
 * Feeds one sample's losses (f[0] = f(x⁰), f[t] after step t, as many steps as given) to the rule of an N-step run
 * and returns the steps t at which η halves.
 */
function halvings(steps: number, fidelity: 'reference' | 'paper', f: number[], rho = 0.75): number[] {
  const rule = apgdStepRule(steps, rho, fidelity, Float32Array.of(f[0] as number));
  let best = f[0] as number;
  const out: number[] = [];
  for (let t = 1; t < f.length; t++) {
    best = Math.max(best, f[t] as number);
    const halve = rule.observe(t, Float32Array.of(f[t] as number), Float32Array.of(best));
    if (halve?.[0]) out.push(t);
  }
  return out;
}

describe('apgdCheckpoints', () => {
  it("'reference' follows autopgd_base.py's integer windows: 22, 19, 16, 13, 10, 7, 6, 6 for N = 100", () => {
    expect(apgdCheckpoints(100, 'reference')).toEqual([0, 22, 41, 57, 70, 80, 87, 93, 99]);
  });

  it("'reference' differs from the paper's formula away from N = 100", () => {
    // N = 50: windows 11, 10, 9, 8, 7 (n_iter_2 = 11, size_decr = 1, n_iter_min = 3); the next, 6, would end at 51.
    expect(apgdCheckpoints(50, 'reference')).toEqual([0, 11, 21, 30, 38, 45]);
    // N = 1000: windows 220, 190, 160, 130, 100, 70, 60, 60.
    expect(apgdCheckpoints(1000, 'reference')).toEqual([0, 220, 410, 570, 700, 800, 870, 930, 990]);
    // N = 5: every window is 1 step.
    expect(apgdCheckpoints(5, 'reference')).toEqual([0, 1, 2, 3, 4, 5]);
    expect(apgdCheckpoints(0, 'reference')).toEqual([0]);
  });

  it("'paper' follows p0 = 0, p1 = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06), w_j = ⌈p_j·N⌉", () => {
    // p = 0, .22, .41, .57, .70, .80, .87, .93, .99
    expect(apgdCheckpoints(100, 'paper')).toEqual([0, 22, 41, 57, 70, 80, 87, 93, 99]);
    expect(apgdCheckpoints(50, 'paper')).toEqual([0, 11, 21, 29, 35, 40, 44, 47, 50]);
    // Duplicates are dropped for few iterations.
    expect(apgdCheckpoints(5, 'paper')).toEqual([0, 2, 3, 4, 5]);
  });
});

describe('apgdStepRule', () => {
  it('condition 2 never fires at the first checkpoint in the reference, and does in the paper variant', () => {
    // f(x⁰) = 100, then 0, 1, …, 21: the loss rises at every step after the first but never beats f_max = f(x⁰).
    // Condition 1: 21 rises (the reference compares step 1 with 0; 0 > 0 is false), more than 0.75·22 = 16.5.
    const f = [100, ...Array.from({ length: 22 }, (_, i) => i)];
    expect(halvings(100, 'reference', f)).toEqual([]);
    expect(halvings(100, 'paper', f)).toEqual([22]);
  });

  it('condition 1 is "at most ρ·window" rises in the reference and "fewer than" in the paper variant', () => {
    // 41 strictly rising steps (no halving at 22 or 41), then the window 42 … 57 of 16 steps rises in exactly
    // 12 = 0.75·16 of them while f_max keeps improving (condition 2 off).
    const f = Array.from({ length: 42 }, (_, t) => t);
    for (let j = 1; j <= 16; j++) f.push((f[f.length - 1] as number) + (j % 4 === 0 ? -0.5 : 1));
    while (f.length <= 100) f.push((f[f.length - 1] as number) + 1);
    expect(halvings(100, 'reference', f)).toEqual([57]);
    expect(halvings(100, 'paper', f)).toEqual([]);
  });

  it('the reference compares the first step with 0 (an unwritten row of its loss buffer), the paper with f(x⁰)', () => {
    // Negative losses (as DLR gives before success): f(x⁰) = −2, then 17 rises out of 22 steps, the first included.
    // Paper: 17 rises, not fewer than 16.5 → no halving. Reference: step 1 (−1.9 > 0) is no rise → 16 ≤ 16.5.
    const f = [-2, -1.9];
    for (let t = 2; t <= 22; t++) f.push((f[t - 1] as number) + (t <= 17 ? 0.01 : -0.001));
    expect(halvings(100, 'paper', f)).toEqual([]);
    expect(halvings(100, 'reference', f)).toEqual([22]);
  });

  it('halves at every checkpoint on a constant loss in both variants', () => {
    const f = Array.from({ length: 101 }, () => 1);
    expect(halvings(100, 'reference', f)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
    expect(halvings(100, 'paper', f)).toEqual([22, 41, 57, 70, 80, 87, 93, 99]);
  });
});
