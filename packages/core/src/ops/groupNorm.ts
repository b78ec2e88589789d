/*
 * Group normalization (Wu & He, 2018) over NHWC images, optionally fused with SiLU: the normalization of every
 * DDPM-style UNet. One op with two implementations: a fused kernel (`RobustGroupNorm` / `RobustGroupNormGrad`,
 * provided by @robustjs/native through oneDNN's runtime on every core) when the active backend has one, else a
 * composition of tfjs ops. Both give the same values to float32 rounding; gradients flow to x, gamma and beta.
 */
import * as tf from '@tensorflow/tfjs';
import { assert, describeValue } from '../errors';
import { assertNumber } from '../validate/assertNumber';
import { resolveOptions } from '../validate/resolveOptions';

/**
 * Name of the fused forward kernel: inputs `{ x [N,H,W,C], gamma [C], beta [C] }`, attributes
 * {@link GroupNormAttrs}, output `[N,H,W,C]` float32. Registered by `@robustjs/native` (`registerNativeKernels`).
 *
 * @example
 * ```ts
 * const fused = tf.getKernel(GROUP_NORM_KERNEL, tf.getBackend()) !== undefined;
 * ```
 */
export const GROUP_NORM_KERNEL = 'RobustGroupNorm';

/**
 * Name of the fused gradient kernel: inputs `{ x, gamma, beta, dy }`, attributes {@link GroupNormAttrs}, outputs
 * `[dx [N,H,W,C], dParams [2,C]]` with `dParams[0] = dgamma`, `dParams[1] = dbeta`.
 *
 * @example
 * ```ts
 * const fusedGrad = tf.getKernel(GROUP_NORM_GRAD_KERNEL, 'wasm') !== undefined;
 * ```
 */
export const GROUP_NORM_GRAD_KERNEL = 'RobustGroupNormGrad';

/**
 * Attributes of the fused group-norm kernels.
 *
 * @example
 * ```ts
 * const attrs: GroupNormAttrs = { groups: 8, eps: 1e-5, silu: true };
 * ```
 */
export interface GroupNormAttrs {
  /** Number of groups; divides C. */
  readonly groups: number;
  /** Added to the variance. */
  readonly eps: number;
  /** Whether SiLU (x·sigmoid(x)) follows the affine transform. */
  readonly silu: boolean;
}

/** Options of {@link groupNorm}. */
export interface GroupNormOptions {
  /** Added to the variance before the square root; default `1e-5` (PyTorch's `nn.GroupNorm`). */
  readonly eps: number;
  /** `'silu'` applies `a·sigmoid(a)` to the normalized output `a` in the same pass; default `'linear'` (none). */
  readonly activation: 'linear' | 'silu';
}

/** Defaults of {@link groupNorm}: `eps = 1e-5`, `activation = 'linear'`. */
export const GROUP_NORM_DEFAULTS: Readonly<GroupNormOptions> = Object.freeze({ eps: 1e-5, activation: 'linear' });

function assertParam(p: unknown, name: string, c: number): asserts p is tf.Tensor1D {
  assert(p instanceof tf.Tensor && p.rank === 1 && p.shape[0] === c && p.dtype === 'float32', 'SHAPE_MISMATCH', () =>
    `Argument '${name}' passed to 'groupNorm' must be a float32 tensor of shape [${c}] (one value per channel of x), ` +
      `got ${p instanceof tf.Tensor ? `${p.dtype} [${p.shape.join(',')}]` : describeValue(p)}.`);
}

/** The tfjs-op composition (any backend). */
function composite(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, a: GroupNormAttrs): tf.Tensor4D {
  return tf.tidy(() => {
    // [n, h·w, groups, c/groups]: two-pass mean / variance over axes 1 and 3, then one scale-and-shift; about 3×
    // faster on wasm than tf.moments over a 5-D reshape (whose reductions transpose the tensor first)
    const [n, h, w, c] = x.shape;
    const cg = c / a.groups;
    const xg = tf.reshape(x, [n, h * w, a.groups, cg]);
    const d = tf.sub(xg, tf.mean(xg, [1, 3], true));
    const inv = tf.rsqrt(tf.add(tf.mean(tf.square(d), [1, 3], true), a.eps));
    const scale = tf.mul(inv, tf.reshape(gamma, [1, 1, a.groups, cg]));
    const y = tf.reshape(tf.add(tf.mul(d, scale), tf.reshape(beta, [1, 1, a.groups, cg])), [n, h, w, c]) as tf.Tensor4D;
    return a.silu ? tf.mul(y, tf.sigmoid(y)) : y;
  });
}

type Fused = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor4D;
const fusedOps = new Map<string, Fused>();

/** The fused kernels wrapped with their gradient, one closure per attribute set. */
function fused(a: GroupNormAttrs): Fused {
  const key = `${a.groups}:${a.eps}:${a.silu}`;
  let op = fusedOps.get(key);
  if (op === undefined) {
    const attrs = { ...a } as unknown as tf.NamedAttrMap;
    op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const [x, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      save([x, gamma, beta]);
      const value = tf.engine().runKernel(GROUP_NORM_KERNEL, { x, gamma, beta }, attrs) as tf.Tensor;
      const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]): tf.Tensor[] => {
        const [sx, sg, sb] = saved as [tf.Tensor, tf.Tensor, tf.Tensor];
        const [dx, dp] = tf.engine().runKernel(GROUP_NORM_GRAD_KERNEL, { x: sx, gamma: sg, beta: sb, dy }, attrs) as tf.Tensor[];
        const [dg, db] = tf.unstack(dp!) as [tf.Tensor, tf.Tensor];
        dp!.dispose();
        return [dx!, dg, db];
      };
      return { value, gradFunc };
    }) as unknown as Fused;
    fusedOps.set(key, op);
  }
  return op;
}

/**
 * Whether {@link groupNorm} runs the fused kernels on the active backend (both `RobustGroupNorm` and
 * `RobustGroupNormGrad` registered, as `@robustjs/native` does on wasm and cpu).
 *
 * @returns true when the fused path is taken.
 * @example
 * ```ts
 * console.log(groupNormIsFused() ? 'fused GroupNorm' : 'tfjs-op GroupNorm');
 * ```
 */
export function groupNormIsFused(): boolean {
  const b = tf.getBackend();
  return tf.getKernel(GROUP_NORM_KERNEL, b) !== undefined && tf.getKernel(GROUP_NORM_GRAD_KERNEL, b) !== undefined;
}

/**
 * Group normalization of NHWC images with a per-channel scale and shift, optionally followed by SiLU:
 * for each image and group of `C/groups` consecutive channels, `a = (x − mean)/sqrt(var + eps)·gamma + beta` over
 * the group's `H·W·C/groups` values (biased variance, as PyTorch's `nn.GroupNorm`), then `a·sigmoid(a)` for
 * `activation: 'silu'`. With `@robustjs/native` registered the whole op, forward and gradient, is one fused kernel
 * call on every core; otherwise a composition of tfjs ops computes the same values (to float32 rounding). Gradients
 * flow to `x`, `gamma` and `beta` on both paths. Shapes are checked; values are not read.
 *
 * @param x - `[N,H,W,C]` float32.
 * @param gamma - `[C]` float32 scale.
 * @param beta - `[C]` float32 shift.
 * @param groups - integer ≥ 1 dividing C (e.g. 8 or 32).
 * @param options - {@link GroupNormOptions}; defaults {@link GROUP_NORM_DEFAULTS}: `eps = 1e-5`,
 *   `activation = 'linear'`.
 * @returns `[N,H,W,C]` float32.
 * @throws {@link RobustError} `INVALID_ARGUMENT` for x that is not a rank-4 float32 tensor, `groups` not an integer
 *   dividing C, `eps` not finite, an unknown activation; `OUT_OF_RANGE` for `groups < 1` or `eps ≤ 0`; `SHAPE_MISMATCH` for gamma or beta not
 *   `[C]` float32; `UNKNOWN_OPTION` for other option keys.
 * @example
 * ```ts
 * const h = groupNorm(x, gamma, beta, 8, { activation: 'silu' }); // x [64,28,28,32] → [64,28,28,32]
 * ```
 */
export function groupNorm(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, groups: number, options?: Partial<GroupNormOptions>): tf.Tensor4D {
  const fn = 'groupNorm';
  const o = resolveOptions(fn, GROUP_NORM_DEFAULTS, options);
  assert(x instanceof tf.Tensor && x.rank === 4 && x.dtype === 'float32', 'INVALID_ARGUMENT', () =>
    `Argument 'x' passed to '${fn}' must be a float32 tensor [N,H,W,C], got ${x instanceof tf.Tensor ? `${x.dtype} [${x.shape.join(',')}]` : describeValue(x)}.`);
  const c = x.shape[3];
  assertParam(gamma, 'gamma', c);
  assertParam(beta, 'beta', c);
  assertNumber(groups, 'groups', fn, { integer: true, min: 1 });
  assert(c % groups === 0, 'INVALID_ARGUMENT', () =>
    `Argument 'groups' passed to '${fn}' must divide the channel count ${c}, got ${groups}. Pick a divisor of ${c}.`);
  assertNumber(o.eps, 'eps', fn, { greaterThan: 0 });
  assert(o.activation === 'linear' || o.activation === 'silu', 'INVALID_ARGUMENT', () =>
    `Option 'activation' passed to '${fn}' must be 'linear' or 'silu', got ${describeValue(o.activation)}.`);
  const attrs: GroupNormAttrs = { groups, eps: o.eps, silu: o.activation === 'silu' };
  if (x.size === 0) return composite(x, gamma, beta, attrs);
  return groupNormIsFused() ? fused(attrs)(x, gamma, beta) : composite(x, gamma, beta, attrs);
}
