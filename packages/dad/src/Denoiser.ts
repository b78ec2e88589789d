/**
 * DAD's denoiser g: the HGD UNet with residual output (Liao et al., "Defense against adversarial attacks using
 * high-level representation guided denoiser", CVPR 2018; DAD's `models/denoise.py`, [arXiv:2503.02169](https://arxiv.org/abs/2503.02169)).
 *
 * | variable         | paper symbol | meaning |
 * |------------------|--------------|---------|
 * | `down[i]`        | F_i          | encoder stage i: Conv(·, stride 2 for i ≥ 1) then Conv blocks, `channels[i]` wide |
 * | `up[i]`          | B_i          | decoder stage i: Conv(concat(up(B_{i+1} or F_{L−1}), F_i)) then Conv blocks |
 * | `final`          | 1×1 conv     | `channels[0] → C`, no bias |
 * | Conv             | Conv         | 3×3 conv (no bias) → BatchNorm → ReLU |
 *
 * Steps: 1. encoder F_0 … F_{L−1} (spatial sizes by ceil division); 2. decoder i = L−2 … 0: upsample to F_i's
 * size, concatenate with F_i, Conv blocks; 3. `g(x) = final(B_0) + x` (residual, no clamp).
 *
 * Deviations, stated: nearest-neighbour upsampling by repetition (then cropping to F_i's size) instead of
 * bilinear (tfjs's resize gradients are unreliable on the cpu backend); the final 1×1 conv is
 * initialised to zero so that g starts as the identity; tfjs 'same' padding (asymmetric for stride 2).
 *
 * @packageDocumentation
 */
import * as tf from '@tensorflow/tfjs';
import { assert, assertImages, describeValue, encodeSafetensorsSync, parseSafetensors, RobustError, seedStream } from '@robustjs/core';
import type { Images } from '@robustjs/core';
import { resolveDenoiserConfig, type DenoiserConfig, type DenoiserOptions } from './denoiserConfig';
import { denoiserParamShapes } from './denoiserParamShapes';

/** One Conv block: 3×3 conv weights `[3,3,in,out]`, BatchNorm scale/shift and running statistics `[out]`. */
interface ConvBlock {
  readonly stride: number;
  readonly kernel: tf.Variable;
  readonly gamma: tf.Variable;
  readonly beta: tf.Variable;
  readonly movingMean: tf.Variable;
  readonly movingVariance: tf.Variable;
}

/** Options of {@link Denoiser.apply}. */
export interface DenoiserApplyOptions {
  /** BatchNorm on batch statistics (and record them for {@link Denoiser.commitBatchStatistics}); default false (running statistics). */
  readonly training?: boolean;
}

/** The format tag of denoiser files. */
const FORMAT = 'robustjs-dad-denoiser';

/**
 * DAD's denoiser: an HGD-style UNet `g` with residual output, images `[N,H,W,C]` in [0,1] → `[N,H,W,C]`
 * (not clamped). Plain tfjs ops on `tf.Variable`s (unfused conv2d, BatchNorm by hand), so it trains and
 * back-propagates on every backend, wasm included. Differentiable with respect to its input.
 *
 * Owns its variables: call {@link Denoiser.dispose} when done.
 *
 * @example
 * ```ts
 * const g = new Denoiser(); // DENOISER_DEFAULTS: the 28×28×1 preset
 * const out = g.apply(x); // [N,28,28,1]
 * const bytes = g.save(); const same = Denoiser.load(bytes);
 * ```
 */
export class Denoiser {
  /** The frozen configuration. */
  readonly config: DenoiserConfig;
  private readonly down: ConvBlock[][];
  private readonly up: ConvBlock[][];
  private readonly final: tf.Variable;
  private pending: Array<[tf.Variable, tf.Tensor]> = [];

  /**
   * @param options - any subset of {@link DenoiserConfig}; defaults {@link DENOISER_DEFAULTS}.
   * @throws {@link @robustjs/core!index.RobustError} `UNKNOWN_OPTION`, `INVALID_ARGUMENT`, `OUT_OF_RANGE` for bad options.
   */
  constructor(options?: DenoiserOptions) {
    this.config = resolveDenoiserConfig(options, 'Denoiser');
    const { channels, forwardBlocks, backwardBlocks, inputShape, seed } = this.config;
    const seeds = seedStream(seed);
    const block = (name: string, cin: number, cout: number, stride: number): ConvBlock => tf.tidy(() => ({
      stride,
      kernel: tf.variable(tf.initializers.heNormal({ seed: seeds.next() + 1 }).apply([3, 3, cin, cout]), true, `${name}/kernel`),
      gamma: tf.variable(tf.ones([cout]), true, `${name}/gamma`),
      beta: tf.variable(tf.zeros([cout]), true, `${name}/beta`),
      movingMean: tf.variable(tf.zeros([cout]), false, `${name}/moving_mean`),
      movingVariance: tf.variable(tf.ones([cout]), false, `${name}/moving_variance`),
    }));
    const uid = `denoiser${Denoiser.count++}`;
    this.down = channels.map((c, i) => Array.from({ length: forwardBlocks[i] as number }, (_, b) =>
      block(`${uid}/down${i}/${b}`, b === 0 ? (i === 0 ? inputShape[2] : channels[i - 1] as number) : c, c, b === 0 && i > 0 ? 2 : 1)));
    this.up = backwardBlocks.map((blocks, i) => Array.from({ length: blocks }, (_, b) =>
      block(`${uid}/up${i}/${b}`, b === 0 ? (channels[i + 1] as number) + (channels[i] as number) : channels[i] as number, channels[i] as number, 1)));
    this.final = tf.tidy(() => tf.variable(tf.zeros([1, 1, channels[0] as number, inputShape[2]]), true, `${uid}/final/kernel`));
  }

  private static count = 0;

  /** Number of scalar parameters (trainable and running statistics). */
  get parameterCount(): number {
    return this.allVariables().reduce((s, v) => s + v.size, 0);
  }

  /** The trainable variables (conv kernels, BatchNorm scales and shifts), for an optimizer's `varList`. */
  trainableVariables(): tf.Variable[] {
    return this.blocks().flatMap((b) => [b.kernel, b.gamma, b.beta]).concat(this.final);
  }

  /**
   * g(x) = UNet(x) + x, not tidy-free: the result is owned by the caller; intermediates are disposed.
   * Differentiable with respect to `x` (and the variables). Does not validate `x` (see {@link Denoiser.denoise}).
   *
   * @param x - images `[N,H,W,C]` (any H, W; C = `inputShape[2]`).
   * @param options - `training` (default false): BatchNorm on batch statistics, recorded for
   *   {@link Denoiser.commitBatchStatistics}.
   * @returns `[N,H,W,C]`.
   */
  apply(x: tf.Tensor4D, options: DenoiserApplyOptions = {}): tf.Tensor4D {
    const training = options.training === true;
    return tf.tidy(() => {
      const skips: tf.Tensor4D[] = [];
      let h: tf.Tensor4D = x;
      for (const level of this.down) {
        for (const b of level) h = this.conv(h, b, training);
        skips.push(h);
      }
      for (let i = this.up.length - 1; i >= 0; i--) {
        const skip = skips[i] as tf.Tensor4D;
        h = tf.concat([upsampleTo(h, skip.shape[1], skip.shape[2]), skip], 3); // [N,H_i,W_i,C_{i+1}+C_i]
        for (const b of this.up[i] as ConvBlock[]) h = this.conv(h, b, training);
      }
      return tf.add(tf.conv2d(h, this.final as tf.Tensor4D, 1, 'same'), x) as tf.Tensor4D; // [N,H,W,C]
    });
  }

  /**
   * Validated, tidy inference: g(x) with running BatchNorm statistics.
   *
   * @param x - images `[N,H,W,C]` float32 in [0,1] with `[H,W,C] = inputShape`.
   * @returns `[N,H,W,C]` (values may leave [0,1]: the residual output is not clamped, as in DAD).
   * @throws {@link @robustjs/core!index.RobustError} `INVALID_ARGUMENT`, `NOT_FINITE`, `OUT_OF_RANGE`, `SHAPE_MISMATCH`.
   */
  denoise(x: Images): Images {
    const fn = 'Denoiser.denoise';
    assertImages(x, 'x', fn, { channels: this.config.inputShape[2] });
    const [h, w] = this.config.inputShape;
    assert(x.shape[1] === h && x.shape[2] === w, 'SHAPE_MISMATCH', () =>
      `Argument 'x' passed to '${fn}' must be images [N,${h},${w},${this.config.inputShape[2]}] like the denoiser's inputShape, ` +
        `got shape ${describeValue(x.shape)}. Resize or pad the images, or build a Denoiser for this size.`);
    return this.apply(x);
  }

  /**
   * Moves each BatchNorm's running statistics towards the batch statistics recorded by the last
   * `apply(x, { training: true })` calls (`running = m·running + (1 − m)·batch`), then forgets them.
   * Call once after each optimizer step.
   */
  commitBatchStatistics(): void {
    const m = this.config.bnMomentum;
    tf.tidy(() => {
      for (const [variable, batch] of this.pending) variable.assign(tf.add(tf.mul(variable, m), tf.mul(batch, 1 - m)));
    });
    tf.dispose(this.pending.map(([, t]) => t));
    this.pending = [];
  }

  /**
   * Serialises the weights and config as one safetensors file.
   *
   * @returns the file bytes.
   */
  save(): Uint8Array {
    const tensors: Record<string, tf.Tensor> = {};
    this.namedVariables().forEach(([name, v]) => { tensors[name] = v; });
    return encodeSafetensorsSync(tensors, { format: FORMAT, config: JSON.stringify(this.config) });
  }

  /**
   * Restores a denoiser written by {@link Denoiser.save}.
   *
   * @param bytes - the file.
   * @param source - the file's name for messages; default `'<memory>'`.
   * @returns the denoiser.
   * @throws {@link @robustjs/core!index.RobustError} `CORRUPT_FILE` (truncated, not a denoiser file, a config that is not
   *   valid JSON denoiser options, with the parse or validation error as `cause`, a missing or misshapen tensor).
   */
  static load(bytes: Uint8Array, source = '<memory>'): Denoiser {
    const fn = 'Denoiser.load';
    assert(bytes instanceof Uint8Array, 'INVALID_ARGUMENT', () =>
      `Argument 'bytes' passed to '${fn}' must be the Uint8Array written by denoiser.save(), got ${describeValue(bytes)}.`);
    let parsed: ReturnType<typeof parseSafetensors>;
    try {
      parsed = parseSafetensors(bytes, source);
    } catch (e) {
      throw new RobustError('CORRUPT_FILE', `'${fn}' cannot read '${source}': ${(e as Error).message} Save the denoiser again with denoiser.save().`, { cause: e });
    }
    const { metadata, tensors } = parsed;
    assert(metadata['format'] === FORMAT && typeof metadata['config'] === 'string', 'CORRUPT_FILE', () =>
      `'${fn}' cannot use '${source}': it is not a denoiser file (format ${describeValue(metadata['format'])}, expected "${FORMAT}").`);
    let config: unknown;
    try {
      config = JSON.parse(metadata['config']);
    } catch (cause) {
      throw new RobustError('CORRUPT_FILE', `'${fn}' cannot use '${source}': its config is not valid JSON (${String(cause)}). ` +
        'Save the denoiser again with denoiser.save().', { cause });
    }
    assert(typeof config === 'object' && config !== null && !Array.isArray(config), 'CORRUPT_FILE', () =>
      `'${fn}' cannot use '${source}': its config must be a JSON object of denoiser options, got ${describeValue(config)}. ` +
        'Save the denoiser again with denoiser.save().');
    let resolved: DenoiserConfig;
    try {
      resolved = resolveDenoiserConfig(config, 'Denoiser');
    } catch (cause) {
      const detail = cause instanceof Error ? cause.message : String(cause);
      throw new RobustError('CORRUPT_FILE', `'${fn}' cannot use '${source}': its config is not valid: ${detail} ` +
        'Save the denoiser again with denoiser.save().', { cause });
    }
    // The config must describe exactly the tensors present, checked before any variable exists: a
    // tiny file declaring a million blocks or huge channels is refused at once.
    const present = Object.keys(tensors).length;
    const expected = denoiserParamShapes(resolved, present + 1);
    for (const [name, shape] of expected) {
      const t = tensors[name];
      const same = t !== undefined && t.shape.length === shape.length &&
        t.shape.every((d, i) => d === shape[i]);
      assert(same, 'CORRUPT_FILE', () =>
        `'${fn}' cannot use '${source}': its config needs tensor '${name}' of shape ` +
          `${describeValue(shape)}, the file has ` +
          `${t === undefined ? 'none' : `one of shape ${describeValue(t.shape)}`}. ` +
          'The file does not match its own config; save it again.');
    }
    assert(expected.length === present, 'CORRUPT_FILE', () =>
      `'${fn}' cannot use '${source}': its config describes ` +
        `${expected.length > present ? 'more' : expected.length} tensors, the file holds ` +
        `${present}. The file does not match its own config; save it again.`);
    const denoiser = new Denoiser(resolved);
    try {
      tf.tidy(() => {
        for (const [name, v] of denoiser.namedVariables()) {
          const t = tensors[name];
          assert(t !== undefined && t.shape.length === v.shape.length && t.shape.every((d, i) => d === v.shape[i]), 'CORRUPT_FILE', () =>
            `'${fn}' cannot use '${source}': tensor '${name}' is ${t === undefined ? 'missing' : `of shape ${describeValue(t.shape)}`}, ` +
              `expected ${describeValue(v.shape)}. The file does not match its own config; save it again.`);
          v.assign(tf.tensor(t.data, v.shape, 'float32'));
        }
      });
    } catch (e) {
      denoiser.dispose();
      throw e;
    }
    return denoiser;
  }

  /**
   * Copies every variable of `other` (weights and running statistics) into this denoiser.
   *
   * @param other - a denoiser with the same architecture.
   * @param fn - the public function asking, for messages; default `'Denoiser.copyFrom'`.
   * @throws {@link @robustjs/core!index.RobustError} `SHAPE_MISMATCH` when the architectures differ.
   */
  copyFrom(other: Denoiser, fn = 'Denoiser.copyFrom'): void {
    const mine = this.namedVariables();
    const theirs = other.namedVariables();
    assert(mine.length === theirs.length && mine.every(([name, v], i) => theirs[i]?.[0] === name && tf.util.arraysEqual(v.shape, theirs[i][1].shape)), 'SHAPE_MISMATCH', () =>
      `'${fn}' cannot copy a denoiser of config ${JSON.stringify(other.config)} into one of config ${JSON.stringify(this.config)}. Build both from the same options.`);
    tf.tidy(() => mine.forEach(([, v], i) => v.assign((theirs[i] as [string, tf.Variable])[1])));
  }

  /** Disposes every variable (and any unrecorded batch statistics). */
  dispose(): void {
    tf.dispose(this.pending.map(([, t]) => t));
    this.pending = [];
    tf.dispose(this.allVariables());
  }

  private conv(h: tf.Tensor4D, b: ConvBlock, training: boolean): tf.Tensor4D {
    // Unfused conv2d: under a gradient tape it skips the eager filter gradient of tf.fused.
    const y = tf.conv2d(h, b.kernel as tf.Tensor4D, b.stride, 'same'); // [N,H',W',out]
    let mean: tf.Tensor = b.movingMean;
    let variance: tf.Tensor = b.movingVariance;
    if (training) {
      const moments = tf.moments(y, [0, 1, 2]); // [out] each
      mean = moments.mean;
      variance = moments.variance;
      this.pending.push([b.movingMean, tf.keep(tf.clone(mean))], [b.movingVariance, tf.keep(tf.clone(variance))]);
    }
    const scale = tf.mul(b.gamma, tf.rsqrt(tf.add(variance, this.config.bnEpsilon))); // [out]
    return tf.relu(tf.add(tf.mul(tf.sub(y, mean), scale), b.beta)) as tf.Tensor4D; // [N,H',W',out]
  }

  private blocks(): ConvBlock[] {
    return [...this.down.flat(), ...this.up.flat()];
  }

  private allVariables(): tf.Variable[] {
    return this.namedVariables().map(([, v]) => v);
  }

  private namedVariables(): Array<[string, tf.Variable]> {
    const named: Array<[string, tf.Variable]> = [];
    const add = (prefix: string, b: ConvBlock): void => {
      named.push([`${prefix}/kernel`, b.kernel], [`${prefix}/gamma`, b.gamma], [`${prefix}/beta`, b.beta],
        [`${prefix}/moving_mean`, b.movingMean], [`${prefix}/moving_variance`, b.movingVariance]);
    };
    this.down.forEach((level, i) => level.forEach((b, j) => add(`down${i}/${j}`, b)));
    this.up.forEach((level, i) => level.forEach((b, j) => add(`up${i}/${j}`, b)));
    named.push(['final/kernel', this.final]);
    return named;
  }
}

/**
 * Nearest-neighbour ×2 upsampling by repetition (concat has a gradient on every backend), cropped to
 * `[h,w]`: `[N,h',w',C]` → `[N,h,w,C]` with `h ≤ 2h'`, `w ≤ 2w'`.
 */
function upsampleTo(x: tf.Tensor4D, h: number, w: number): tf.Tensor4D {
  const [n, hi, wi, c] = x.shape;
  const rows = tf.reshape(x, [n, hi, 1, wi * c]) as tf.Tensor4D; // [N,h',1,w'C]
  const tallRows = tf.reshape(tf.concat([rows, rows], 2), [n * hi * 2, wi, 1, c]) as tf.Tensor4D; // [N·2h',w',1,C]
  const wide = tf.reshape(tf.concat([tallRows, tallRows], 2), [n, hi * 2, wi * 2, c]) as tf.Tensor4D; // [N,2h',2w',C]
  return hi * 2 === h && wi * 2 === w ? wide : tf.slice(wide, [0, 0, 0, 0], [n, h, w, c]); // [N,h,w,C]
}
