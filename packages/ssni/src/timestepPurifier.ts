/*
 * A user's own timestep purifier (any NoisePredictor, any sampler) made ready for SSNI: the function plus the two
 * numbers SSNI needs from it, its default t* and the schedule length T. SSNI computes one t per image and calls the
 * function with them as an int32 [N] tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { RobustError, assert, assertImages, assertNumber, bpdaIdentity, describeValue, resolveOptions } from '@robustjs/core';
import type { Images, PurifierOptions, TimestepPurifier } from '@robustjs/core';
import { readTimesteps, type StageTimesteps, type TimestepsLike } from '@robustjs/diffusion';

/** Gradient mode of a {@link PlainTimestepPurifier}: `'full'` (autodiff through the function) or `'bpda'` (identity backward). */
export type PlainGradientMode = 'full' | 'bpda';

/** Options of {@link timestepPurifier}. */
export interface TimestepPurifierOptions {
  /** The default timestep t*, an integer in [1, T] (SSNI rescales it per image). Required. */
  readonly tStar: number | undefined;
  /** The schedule length T of the purifier's model: timesteps lie in [0, T]. Required. */
  readonly T: number | undefined;
  /** The purifier's name in messages; default the function's name, else `'purifier'`. */
  readonly name: string | undefined;
  /** `'full'` (gradients through the function) or `'bpda'` (forward value, identity backward); default `'full'`. */
  readonly gradient: PlainGradientMode;
}

/** Defaults of {@link timestepPurifier}: `tStar` and `T` required, `name = fn.name || 'purifier'`, `gradient = 'full'`. */
export const TIMESTEP_PURIFIER_DEFAULTS: Readonly<TimestepPurifierOptions> = Object.freeze({
  tStar: undefined, T: undefined, name: undefined, gradient: 'full',
});

/** The resolved settings of a {@link PlainTimestepPurifier}. */
export interface PlainTimestepPurifierSettings {
  /** The name used in messages. */
  readonly name: string;
  /** The one stage's default t*: `[tStar]` (the same shape as a `DiffusionPurifier`'s `stages`). */
  readonly stages: readonly [number];
  /** T: timesteps lie in [0, T]. */
  readonly T: number;
  /** The gradient mode. */
  readonly gradient: PlainGradientMode;
}

/** Options of {@link PlainTimestepPurifier.purify}. */
export interface PlainPurifyOptions extends PurifierOptions {
  /** Per-sample timesteps (`[N]` tensor, array, one number, or `(stage, tStar) => …` for stage 0); default t*. */
  readonly t?: StageTimesteps;
}

/**
 * A user's {@link TimestepPurifier} with its default t* and schedule length T, the form `ssniPurifier` accepts besides
 * the `DiffusionPurifier`s of `@robustjs/diffusion`. One stage; the function always receives `t` as an int32 `[N]`
 * tensor, and its output is checked to be a float32 tensor of the input's shape.
 */
export interface PlainTimestepPurifier extends TimestepPurifier {
  /** Purifies `x` `[N,H,W,C]` in [0,1] with per-sample `t` (default t*) → same shape in [0,1]. */
  (x: Images, t?: TimestepsLike, options?: PurifierOptions): Images;
  /** Always `'timestep'`. */
  readonly kind: 'timestep';
  /** The settings in force. */
  readonly settings: PlainTimestepPurifierSettings;
  /** The user's function as given. */
  readonly fn: TimestepPurifier;
  /** Purifies with `options.t` (default t*) and `options.seed`; differentiable according to `settings.gradient`. */
  purify(x: Images, options?: PlainPurifyOptions): tf.Tensor4D;
  /** The same purifier with another gradient mode. */
  with(changes: { readonly gradient?: PlainGradientMode }): PlainTimestepPurifier;
}

const GRADIENTS: readonly PlainGradientMode[] = ['full', 'bpda'];

/**
 * Wraps your own timestep purifier (your `NoisePredictor`, your sampler) for SSNI: `fn(x, t, { seed })` must return the
 * purified images, `x` `[N,H,W,C]` in [0,1] and `t` an int32 `[N]` tensor of per-image timesteps in [0, T] (SSNI's
 * t(x); the wrapper converts numbers and arrays). The wrapper checks `x` and `t` before calling `fn` and checks the
 * result: a non-tensor, another shape or dtype is a `RobustError` naming the purifier. Tidy: the wrapper disposes
 * every tensor `fn` leaves behind except its result.
 *
 * @param fn - the purifier `(x [N,H,W,C] in [0,1], t int32 [N], { seed? }) => images [N,H,W,C] in [0,1]`.
 * @param options - {@link TimestepPurifierOptions}: `tStar` and `T` (required), `name` (default `fn.name` or
 *   `'purifier'`), `gradient` (default `'full'`); defaults {@link TIMESTEP_PURIFIER_DEFAULTS}.
 * @returns the {@link PlainTimestepPurifier}.
 * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT` for a non-function `fn`, a missing or non-integer
 *   `tStar` / `T`, an unknown gradient mode; `OUT_OF_RANGE` for `tStar` outside [1, T]; `UNKNOWN_OPTION`. At call
 *   time: image errors, timesteps outside [0, T] or not one per image, and `SHAPE_MISMATCH` when `fn` returns
 *   anything but a float32 tensor of `x`'s shape.
 * @example
 * ```ts
 * const purify = timestepPurifier((x, t, o) => myDdim(myEps, x, t, o?.seed), { tStar: 100, T: 1000, name: 'myDdim' });
 * const ssni = ssniPurifier(purify, myEps, calibration, { process: schedule, extraSteps: 0 });
 * ```
 */
export function timestepPurifier(fn: TimestepPurifier, options: Partial<TimestepPurifierOptions>): PlainTimestepPurifier {
  const where = 'timestepPurifier';
  assert(typeof fn === 'function', 'INVALID_ARGUMENT', () =>
    `Argument 'fn' passed to '${where}' must be a function (x [N,H,W,C], t int32 [N], { seed }) => images [N,H,W,C], got ${describeValue(fn)}.`);
  const o = resolveOptions(where, TIMESTEP_PURIFIER_DEFAULTS, options);
  assert(o.T !== undefined && o.tStar !== undefined, 'INVALID_ARGUMENT', () =>
    `Options 'tStar' and 'T' passed to '${where}' are required (the purifier's default timestep and its schedule length), ` +
      `got tStar ${describeValue(o.tStar)}, T ${describeValue(o.T)}. Pass e.g. { tStar: 100, T: 1000 }.`);
  assertNumber(o.T, 'T', where, { integer: true, min: 1 });
  assertNumber(o.tStar, 'tStar', where, { integer: true, min: 1, max: o.T });
  assert(GRADIENTS.includes(o.gradient), 'INVALID_ARGUMENT', () =>
    `Option 'gradient' passed to '${where}' must be ${GRADIENTS.map((g) => `'${g}'`).join(' or ')}, got ${describeValue(o.gradient)}.`);
  const name = o.name ?? (fn.name === '' ? 'purifier' : fn.name);
  return build(fn, Object.freeze({ name, stages: Object.freeze([o.tStar]) as readonly [number], T: o.T, gradient: o.gradient }));
}

function build(fn: TimestepPurifier, settings: PlainTimestepPurifierSettings): PlainTimestepPurifier {
  const call = `timestepPurifier '${settings.name}'`;
  const [tStar] = settings.stages;
  const run = (x: Images, t: Int32Array, seed: number | undefined): tf.Tensor4D => tf.tidy(() => {
    const out: unknown = fn(x, tf.tensor1d(t, 'int32'), seed === undefined ? {} : { seed });
    const shape: readonly number[] = out instanceof tf.Tensor ? out.shape : [];
    if (!(out instanceof tf.Tensor) || out.dtype !== 'float32' || shape.length !== 4 || shape.some((d, i) => d !== x.shape[i])) {
      const got = out instanceof tf.Tensor ? `a ${out.dtype} tensor of shape ${describeValue(out.shape)}` : describeValue(out);
      throw new RobustError('SHAPE_MISMATCH',
        `The purifier '${settings.name}' (${call}) must return float32 images of its input's shape ` +
          `${describeValue(x.shape)} [N,H,W,C] in [0,1], got ${got}. Fix the purifier's output (e.g. reshape or convert ` +
          'it back from the diffusion range [-1,1] to [0,1]).');
    }
    return out as tf.Tensor4D;
  });
  const bpda = (x: Images, t: Int32Array, seed: number | undefined): tf.Tensor4D => bpdaIdentity((xx: Images) => run(xx, t, seed))(x);
  const purify = (x: Images, opts: PlainPurifyOptions = {}): tf.Tensor4D => {
    assertImages(x, 'x', `${call}.purify`);
    const given = typeof opts.t === 'function' ? opts.t(0, tStar) : opts.t ?? tStar;
    const t = readTimesteps(given, x.shape[0], 't', `${call}.purify`, 0, settings.T);
    return settings.gradient === 'bpda' ? bpda(x, t, opts.seed) : run(x, t, opts.seed);
  };
  const callable = (x: Images, t?: TimestepsLike, options: PurifierOptions = {}): Images =>
    purify(x, { ...options, ...(t === undefined ? {} : { t }) });
  return Object.assign(callable, {
    kind: 'timestep' as const,
    settings,
    fn,
    purify,
    with(changes: { readonly gradient?: PlainGradientMode }): PlainTimestepPurifier {
      const g = resolveOptions(`${call}.with`, { gradient: settings.gradient }, changes).gradient;
      assert(GRADIENTS.includes(g), 'INVALID_ARGUMENT', () =>
        `Option 'gradient' passed to '${call}.with' must be ${GRADIENTS.map((m) => `'${m}'`).join(' or ')}, got ${describeValue(g)}.`);
      return build(fn, Object.freeze({ ...settings, gradient: g }));
    },
  });
}

/**
 * Whether a base purifier is a {@link PlainTimestepPurifier} (internal).
 *
 * @param base - the candidate.
 * @returns true for the result of {@link timestepPurifier}.
 */
export function isPlainPurifier(base: unknown): base is PlainTimestepPurifier {
  const b = base as { kind?: unknown; purify?: unknown; settings?: unknown };
  return typeof base === 'function' && b.kind === 'timestep' && typeof b.purify === 'function' && b.settings !== undefined;
}
