import * as tf from '@tensorflow/tfjs';
import type { Defense, Images, Labels } from '@robustjs/core';
import { expect } from 'vitest';
import { backendUnderTest, expectAttackAgreesWithWasm, onWasm } from './backendUnderTest';
import { expectNoLeak } from './expectNoLeak';

/** A threat model: every candidate within `eps` of its clean image in `norm`. */
type Threat = { readonly norm: 'linf' | 'l2'; readonly eps: number };

/** The part of an evaluation attack (`EvaluationAttack` of `@robustjs/attacks`) the check uses. */
export interface ConformingAttack {
  /** Throws when the attack does not apply to `defense`. */
  check(defense: Defense, where: string, threat?: Threat): void;
  /** One batch's candidates. */
  run(
    defense: Defense,
    x: Images,
    y: Labels,
    context: { readonly threat: Threat; readonly seed: number },
  ): Images[];
}

/**
 * Asserts the conformance of an evaluation attack on one batch: it applies to `defense`, frees what
 * it does not return, its first candidate moves the images and stays within the threat model's ball
 * (float32 slack 1e-5) and [0,1], the same seed gives the same images and another seed others.
 *
 * @param attack - the attack.
 * @param defense - a defense it applies to.
 * @param x - clean images `[B,H,W,C]` in [0,1] (not disposed).
 * @param y - labels `[B]` int32 (not disposed).
 * @param threat - `{ norm, eps }`.
 * @example
 * ```ts
 * expectAttackConforms(diffAttack({ steps: 2 }), defense, x, y, { norm: 'linf', eps: 0.1 });
 * ```
 */
export function expectAttackConforms(
  attack: ConformingAttack,
  defense: Defense,
  x: Images,
  y: Labels,
  threat: Threat,
): void {
  attack.check(defense, 'attacks[0]', threat);
  expectNoLeak(() => attack.run(defense, x, y, { threat, seed: 5 }));
  const [a] = attack.run(defense, x, y, { threat, seed: 5 });
  const [b] = attack.run(defense, x, y, { threat, seed: 5 });
  const [c] = attack.run(defense, x, y, { threat, seed: 6 });
  const [dist, lo, hi, same, other] = tf.tidy(() => {
    const delta = tf.sub(a!, x);
    const n =
      threat.norm === 'linf'
        ? tf.max(tf.abs(delta))
        : tf.max(tf.sqrt(tf.sum(tf.square(delta), [1, 2, 3])));
    return [
      n,
      tf.min(a!),
      tf.max(a!),
      tf.max(tf.abs(tf.sub(a!, b!))),
      tf.max(tf.abs(tf.sub(a!, c!))),
    ].map((t) => t.dataSync()[0]!);
  });
  const here = backendUnderTest() !== 'wasm' ? a!.dataSync().slice() : undefined;
  tf.dispose([a!, b!, c!]);
  expect(dist).toBeLessThanOrEqual(threat.eps + 1e-5);
  expect(dist).toBeGreaterThan(0);
  expect(lo).toBeGreaterThanOrEqual(0);
  expect(hi).toBeLessThanOrEqual(1);
  expect(same).toBe(0);
  expect(other).toBeGreaterThan(0);
  // The webgpu run: the same candidate as on wasm, up to sign flips of near-zero gradient components.
  if (here !== undefined) {
    const wasm = onWasm(() => {
      const [w] = attack.run(defense, x, y, { threat, seed: 5 });
      const v = w!.dataSync().slice();
      w!.dispose();
      return v;
    });
    expectAttackAgreesWithWasm(here, wasm, threat.eps, 'the candidate');
  }
}
