import * as tf from '@tensorflow/tfjs';
import { groupNorm, seedStream, type SeedStream } from '@robustjs/core';

let instanceCounter = 0;

/**
 * Creates and names the parameters of a network (internal). Weights are He-normal from a seeded stream, biases
 * zero, norms one/zero; every parameter is registered under a stable name (`down.0.conv1.w`) for serialization.
 */
export class ParamBuilder {
  /** Parameters by stable name, in creation order (empty for a shape-only builder). */
  readonly params = new Map<string, tf.Variable>();
  /** Shapes by stable name, in creation order (recorded by every builder). */
  readonly shapes = new Map<string, number[]>();
  private readonly seeds: SeedStream;
  private readonly prefix: string;
  private readonly shapesOnly: boolean;
  private readonly maxParams: number;

  /**
   * @param seed - seed of the initialisation.
   * @param options - `shapesOnly`: record names and shapes without allocating any tensor (the closures it returns
   *   must not be called); `maxParams`: stop with `onTooMany` once more parameters than this are defined.
   */
  constructor(seed: number, options: { shapesOnly?: boolean; maxParams?: number; onTooMany?: () => never } = {}) {
    this.seeds = seedStream(seed);
    this.prefix = `robustjs_unet${instanceCounter++}`;
    this.shapesOnly = options.shapesOnly ?? false;
    this.maxParams = options.maxParams ?? Infinity;
    this.onTooMany = options.onTooMany;
  }

  private readonly onTooMany: (() => never) | undefined;

  private add(name: string, shape: number[], init: () => tf.Tensor, trainable: boolean): tf.Variable {
    this.shapes.set(name, shape);
    if (this.shapes.size > this.maxParams && this.onTooMany !== undefined) this.onTooMany();
    if (this.shapesOnly) return undefined as unknown as tf.Variable;
    const value = init();
    const v = tf.variable(value, trainable, `${this.prefix}/${name}`);
    value.dispose();
    this.params.set(name, v);
    return v;
  }

  he(name: string, shape: number[], fanIn: number, gain = 1): tf.Variable {
    const seed = this.seeds.next();
    return this.add(name, shape, () => tf.randomNormal(shape, 0, gain * Math.sqrt(2 / fanIn), 'float32', seed), true);
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.add(name, shape, () => tf.zeros(shape), true);
  }

  ones(name: string, shape: number[]): tf.Variable {
    return this.add(name, shape, () => tf.ones(shape), true);
  }

  /**
   * k×k convolution with bias, padding 'same'. Under a gradient tape an unfused conv2d + add (tfjs's fused conv's
   * gradient computes the filter and bias gradients eagerly even when only the input's is wanted);
   * without one, `tf.fused.conv2d` with the bias added inside the convolution (one pass less over the output).
   */
  conv(name: string, cin: number, cout: number, k: number, stride: 1 | 2 = 1, gain = 1): (x: tf.Tensor4D) => tf.Tensor4D {
    const w = this.he(`${name}.w`, [k, k, cin, cout], k * k * cin, gain) as tf.Variable<tf.Rank.R4>;
    const b = this.zeros(`${name}.b`, [cout]);
    return (x) => tf.engine().isTapeOn()
      ? tf.add(tf.conv2d(x, w, stride, 'same'), b)
      : tf.fused.conv2d({ x, filter: w, strides: stride, pad: 'same', bias: b });
  }

  dense(name: string, din: number, dout: number): (x: tf.Tensor2D) => tf.Tensor2D {
    const w = this.he(`${name}.w`, [din, dout], din) as tf.Variable<tf.Rank.R2>;
    const b = this.zeros(`${name}.b`, [dout]);
    return (x) => tf.add(tf.matMul(x, w), b);
  }

  /**
   * GroupNorm with learned scale and shift, SiLU fused when `activation` is `'silu'` (core's `groupNorm`: one fused
   * kernel with @robustjs/native, tfjs ops otherwise).
   */
  groupNorm(name: string, channels: number, groups: number, activation: 'linear' | 'silu' = 'linear', eps = 1e-5): (x: tf.Tensor4D) => tf.Tensor4D {
    const gamma = this.ones(`${name}.gamma`, [channels]) as tf.Variable<tf.Rank.R1>;
    const beta = this.zeros(`${name}.beta`, [channels]) as tf.Variable<tf.Rank.R1>;
    return (x) => groupNorm(x, gamma, beta, groups, { eps, activation });
  }
}

/** SiLU (swish): x·sigmoid(x). */
export function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/**
 * Nearest-neighbour ×2 upsampling as a broadcast (`tf.image.resizeNearestNeighbor`'s gradient is wrong on the
 * cpu backend of tfjs 4.22.0).
 */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => tf.reshape(tf.add(tf.reshape(x, [n, h, 1, w, 1, c]), tf.zeros([1, 1, 2, 1, 2, 1])), [n, 2 * h, 2 * w, c]));
}

/** Sinusoidal embedding of real-valued per-sample times: `[sin(t·f_i), cos(t·f_i)]`, f_i = 10000^(−i/half). */
export function sinusoidalEmbedding(t: tf.Tensor1D, dim: number): tf.Tensor2D {
  const half = dim / 2;
  return tf.tidy(() => {
    const freqs = tf.tensor2d(Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half)), [1, half]);
    const args = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), freqs);
    return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
  });
}
