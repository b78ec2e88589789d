/*
 * BPDA — Athalye, Carlini & Wagner, "Obfuscated gradients give a false sense of security", ICML 2018, §4.1.
 *
 * Notation (code → paper): forwardFn → f^i (the non-differentiable layer), backwardFn → g (with g(x) ≈ f^i(x)).
 *
 * 1. Forward pass: f^i(x). 2. Backward pass: replace ∇f^i by ∇g (the identity by default, "∇_x f(x) ≈ ∇_x x").
 */
import * as tf from '@tensorflow/tfjs';
import { assert, bpdaIdentity, describeValue, untaped } from '@robustjs/core';
import type { Images } from '@robustjs/core';

/**
 * An image-to-image function, `[N,H,W,C]` → `[N,H,W,C]` (a purifier or preprocessing).
 *
 * @example
 * ```ts
 * const quantise: ImageTransform = (x) => tf.div(tf.round(tf.mul(x, 8)), 8);
 * ```
 */
export type ImageTransform = (x: Images) => Images;

/** The identity transform, BPDA's default backward pass (Athalye et al. 2018, §4.1). */
const identity: ImageTransform = (x) => x;

/**
 * Backward pass differentiable approximation (Athalye et al., 2018, "Obfuscated gradients give a false
 * sense of security", §4.1): a transform whose forward value is `forwardFn(x)` and whose gradient is
 * that of the differentiable `backwardFn` at the same `x`.
 *
 * 1. Forward: y = forwardFn(x) (may be non-differentiable, e.g. quantisation or a long diffusion chain).
 * 2. Backward: for the upstream gradient dy, return ∇_x ⟨backwardFn(x), dy⟩, which is `dy` itself for the
 *    identity default. With a custom `backwardFn` the value is computed as
 *    backwardFn(x) + (forwardFn(x) − backwardFn(x)) with a zero gradient on the difference, so it equals
 *    forwardFn(x) up to float rounding.
 *
 * Compose it with a classifier to attack the pipeline: `(x) => classifier(bpda(purify)(x))`.
 *
 * @param forwardFn - the transform used in the forward pass, `[N,H,W,C]` → `[N,H,W,C]`.
 * @param backwardFn - its differentiable surrogate, same shapes; default the identity.
 * @returns a transform with forwardFn's values and backwardFn's gradient.
 * @throws {@link @robustjs/core!index.RobustError} when either argument is not a function, or (at call time) when
 *   `forwardFn` or `backwardFn` changes the shape.
 * @example
 * ```ts
 * const quantise = (x: tf.Tensor4D) => x.mul(8).round().div(8) as tf.Tensor4D;
 * const defended = (x: tf.Tensor4D) => classifier(bpda(quantise)(x));
 * const xAdv = pgd(defended, x, y);
 * ```
 */
export function bpda(forwardFn: ImageTransform, backwardFn: ImageTransform = identity): ImageTransform {
  assert(typeof forwardFn === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'forwardFn' passed to 'bpda' must be a function [N,H,W,C] => [N,H,W,C], got ${describeValue(forwardFn)}.`);
  assert(typeof backwardFn === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'backwardFn' passed to 'bpda' must be a function [N,H,W,C] => [N,H,W,C], got ${describeValue(backwardFn)}.`);
  const checkShape = (x: tf.Tensor, value: tf.Tensor, fnName: 'forwardFn' | 'backwardFn'): void =>
    assert(value instanceof tf.Tensor && value.rank === x.rank && (value.shape as readonly number[]).every((d, i) => d === x.shape[i]), 'SHAPE_MISMATCH', () =>
      `Argument '${fnName}' passed to 'bpda' must keep the shape ${describeValue(x.shape)}, got ${value instanceof tf.Tensor ? describeValue(value.shape) : describeValue(value)}.`);
  const forward = (x: Images): Images => {
    const value = forwardFn(x);
    checkShape(x, value, 'forwardFn');
    return value;
  };
  // Forward value forwardFn(x), gradient dy: the identity Jacobian (core's bpdaIdentity).
  if (backwardFn === identity) return bpdaIdentity(forward);
  // backwardFn(x) + [forwardFn(x) − backwardFn(x)] with the bracket untaped (zero gradient): the value is
  // forwardFn(x) (to float rounding) and only backwardFn is differentiated; forwardFn need not have gradients.
  const residual = untaped((x: Images) => {
    const value = forward(x);
    const surrogate = backwardFn(x);
    checkShape(x, surrogate, 'backwardFn');
    return tf.sub(value, surrogate) as Images;
  });
  return (x: Images) => tf.add(backwardFn(x), residual(x)) as Images;
}
