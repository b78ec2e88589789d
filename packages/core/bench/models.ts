/**
 * Reference workloads of the benchmark (see /work/shared/PERF-NOTES.md), built from plain tfjs ops.
 *
 * - CNN: conv 32 → conv 64 stride 2 → conv 128 stride 2 (3×3, same, relu) → global average pool → dense 10,
 *   on 28×28×1 images; 1.91 GFLOP forward at batch 128.
 * - UNet: 785k parameters, channels 32/64/128 (28×28, 14×14, 7×7), two down and two up levels, residual
 *   blocks with GroupNorm(8) and SiLU, a sinusoidal time embedding projected by an MLP and added in every
 *   residual block, stride-2 convolutions down, nearest-neighbour ×2 + 3×3 conv up, concat skips; 16.2 GFLOP
 *   forward at batch 64.
 *
 * Every convolution is an unfused `tf.conv2d` + `tf.add(bias)`: under a gradient tape this avoids
 * `tf.fused.conv2d`'s eager filter gradient (and its missing-kernel failure on stock wasm for non-relu
 * activations). Nearest-neighbour upsampling is a broadcast (reshape + add of zeros), never
 * `tf.image.resizeNearestNeighbor`, whose gradient is wrong on the cpu backend of tfjs 4.22.0.
 *
 * The same architectures are written in PyTorch in /work/main/bench/torch_reference.py; keep them in sync.
 */
import * as tf from '@tensorflow/tfjs';
import { groupNorm } from '../src/ops/groupNorm';

/** Multiply-accumulate counts of one sample, conv and dense layers only (elementwise ops are not counted). */
export interface FlopCount {
  /** FLOPs (2 × MACs) of one forward pass, per sample. */
  readonly forward: number;
  /** FLOPs of a forward pass plus the gradient wrt the input, per sample. */
  readonly inputGrad: number;
  /** FLOPs of a forward pass plus the gradients wrt every parameter, per sample. */
  readonly train: number;
}

export interface Model<F> {
  /** Trainable parameters, in creation order. */
  readonly params: tf.Variable[];
  /** Number of scalar parameters. */
  readonly paramCount: number;
  /** Approximate FLOPs per sample. */
  readonly flops: FlopCount;
  /** The forward pass; creates tensors in the caller's scope (wrap it in `tf.tidy` or a gradient). */
  readonly forward: F;
  /** Disposes every parameter and constant of the model. */
  dispose(): void;
}

export type CnnForward = (x: tf.Tensor4D) => tf.Tensor2D;
export type UnetForward = (x: tf.Tensor4D, t: tf.Tensor1D) => tf.Tensor4D;

/** SplitMix32-style mixer: a reproducible stream of seeds for tf.randomNormal. */
function seeder(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) | 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) & 0x7fffffff;
  };
}

interface LayerCost {
  /** Multiply-accumulates per sample. */
  macs: number;
  /** Whether the layer's input depends on the model input (so its input gradient is needed for dL/dx). */
  onInputPath: boolean;
  /** Whether the layer's input is the model input itself (no input gradient needed when training). */
  readsModelInput: boolean;
}

/** Parameter factory shared by both models: He-normal weights from a fixed seed, zero biases. */
class Builder {
  readonly params: tf.Variable[] = [];
  readonly costs: LayerCost[] = [];
  private readonly nextSeed: () => number;
  private count = 0;

  constructor(seed: number) {
    this.nextSeed = seeder(seed);
  }

  private variable(name: string, value: tf.Tensor): tf.Variable {
    const v = tf.variable(value, true, `${name}_${this.count++}`);
    value.dispose();
    this.params.push(v);
    return v;
  }

  /** He-normal (std = sqrt(2 / fan_in)) weight. */
  he(name: string, shape: number[], fanIn: number): tf.Variable {
    return this.variable(name, tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', this.nextSeed()));
  }

  zeros(name: string, shape: number[]): tf.Variable {
    return this.variable(name, tf.zeros(shape));
  }

  ones(name: string, shape: number[]): tf.Variable {
    return this.variable(name, tf.ones(shape));
  }

  /**
   * A k×k convolution with bias; `outSize` is the output's spatial size (for the FLOP count). Returns a
   * function applying it (unfused conv2d + add, padding 'same').
   */
  conv(cin: number, cout: number, k: number, stride: 1 | 2, outSize: number, path: Omit<LayerCost, 'macs'>): (x: tf.Tensor4D) => tf.Tensor4D {
    const w = this.he('conv_w', [k, k, cin, cout], k * k * cin) as tf.Variable<tf.Rank.R4>;
    const b = this.zeros('conv_b', [cout]);
    this.costs.push({ macs: outSize * outSize * k * k * cin * cout, ...path });
    return (x) => tf.add(tf.conv2d(x, w, stride, 'same'), b);
  }

  dense(din: number, dout: number, path: Omit<LayerCost, 'macs'>): (x: tf.Tensor2D) => tf.Tensor2D {
    const w = this.he('dense_w', [din, dout], din) as tf.Variable<tf.Rank.R2>;
    const b = this.zeros('dense_b', [dout]);
    this.costs.push({ macs: din * dout, ...path });
    return (x) => tf.add(tf.matMul(x, w), b);
  }

  /**
   * GroupNorm over `channels` in `groups` groups, with learned scale and shift, SiLU fused when asked: core's
   * `groupNorm` op (the fused native kernel when @robustjs/native is registered, tfjs ops otherwise), as the
   * diffusion package's UNet runs it.
   */
  groupNorm(channels: number, groups = 8, activation: 'linear' | 'silu' = 'linear', eps = 1e-5): (x: tf.Tensor4D) => tf.Tensor4D {
    if (channels % groups !== 0) throw new Error(`groupNorm: ${channels} channels not divisible by ${groups} groups`);
    const gamma = this.ones('gn_gamma', [channels]) as tf.Variable<tf.Rank.R1>;
    const beta = this.zeros('gn_beta', [channels]) as tf.Variable<tf.Rank.R1>;
    return (x) => groupNorm(x, gamma, beta, groups, { eps, activation });
  }

  model<F>(forward: F, constants: tf.Tensor[] = []): Model<F> {
    const params = this.params;
    const paramCount = params.reduce((s, p) => s + p.size, 0);
    let fwd = 0;
    let dx = 0;
    let dxTrain = 0;
    for (const c of this.costs) {
      fwd += c.macs;
      if (c.onInputPath) dx += c.macs;
      if (c.onInputPath && !c.readsModelInput) dxTrain += c.macs;
    }
    const flops: FlopCount = {
      forward: 2 * fwd,
      inputGrad: 2 * (fwd + dx),
      // forward + input gradients of every layer fed by an activation + one filter gradient per layer
      train: 2 * (fwd + dxTrain + fwd),
    };
    return {
      params,
      paramCount,
      flops,
      forward,
      dispose() {
        for (const p of params) p.dispose();
        for (const c of constants) c.dispose();
      },
    };
  }
}

const ON_INPUT = { onInputPath: true, readsModelInput: false } as const;
const READS_INPUT = { onInputPath: true, readsModelInput: true } as const;
const OFF_INPUT = { onInputPath: false, readsModelInput: false } as const;

/** CNN of PERF-NOTES.md: input [n, 28, 28, 1], logits [n, 10]. 94k parameters. */
export function makeCnn(seed: number): Model<CnnForward> {
  const b = new Builder(seed);
  const c1 = b.conv(1, 32, 3, 1, 28, READS_INPUT);
  const c2 = b.conv(32, 64, 3, 2, 14, ON_INPUT);
  const c3 = b.conv(64, 128, 3, 2, 7, ON_INPUT);
  const fc = b.dense(128, 10, ON_INPUT);
  const forward: CnnForward = (x) => {
    let h = tf.relu(c1(x));
    h = tf.relu(c2(h));
    h = tf.relu(c3(h));
    return fc(tf.mean(h, [1, 2]) as tf.Tensor2D);
  };
  return b.model(forward);
}

function silu<T extends tf.Tensor>(x: T): T {
  return tf.mul(x, tf.sigmoid(x));
}

/** Nearest-neighbour ×2 upsampling as a broadcast: [n,h,w,c] → [n,h,1,w,1,c] + zeros[1,1,2,1,2,1]. */
function upsample2x(x: tf.Tensor4D, zeros: tf.Tensor): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.reshape(tf.add(tf.reshape(x, [n, h, 1, w, 1, c]), zeros), [n, 2 * h, 2 * w, c]);
}

const TIME_DIM = 32;
const TEMB_DIM = 128;

/**
 * UNet of PERF-NOTES.md: x [n, 28, 28, 1] and timesteps t [n] → [n, 28, 28, 1]. 785,057 parameters,
 * 253 MFLOP per sample forward.
 *
 * ```
 * temb = dense(128→128)(silu(dense(32→128)(sinusoidal32(t))))
 * h0 = conv(1→32)(x)                                   28×28×32
 * e0 = res(32→32)(h0)                                  28×28×32   skip
 * e1 = res(64→64)(conv s2(32→64)(e0))                  14×14×64   skip
 * m  = res(128→128)(conv s2(64→128)(e1))               7×7×128
 * u1 = res(128→64)(concat(conv(128→64)(up(m)), e1))    14×14×64
 * u0 = res(64→32)(concat(conv(64→32)(up(u1)), e0))     28×28×32
 * out = conv(32→1)(silu(gn(u0)))
 * res(ci→co)(x) = conv(co→co)(silu(gn(conv(ci→co)(silu(gn(x))) + dense(128→co)(silu(temb))))) + skip(x)
 * ```
 * where skip is a 1×1 conv when ci ≠ co, and gn is GroupNorm with 8 groups.
 */
export function makeUnet(seed: number): Model<UnetForward> {
  const b = new Builder(seed);
  const resBlock = (cin: number, cout: number, size: number): ((x: tf.Tensor4D, temb: tf.Tensor2D) => tf.Tensor4D) => {
    const gn1 = b.groupNorm(cin, 8, 'silu');
    const conv1 = b.conv(cin, cout, 3, 1, size, ON_INPUT);
    const proj = b.dense(TEMB_DIM, cout, OFF_INPUT);
    const gn2 = b.groupNorm(cout, 8, 'silu');
    const conv2 = b.conv(cout, cout, 3, 1, size, ON_INPUT);
    const skip = cin !== cout ? b.conv(cin, cout, 1, 1, size, ON_INPUT) : undefined;
    return (x, temb) => {
      const [n] = x.shape;
      let h = conv1(gn1(x));
      h = tf.add(h, tf.reshape(proj(temb), [n, 1, 1, cout]));
      h = conv2(gn2(h));
      return tf.add(h, skip !== undefined ? skip(x) : x);
    };
  };

  const t1 = b.dense(TIME_DIM, TEMB_DIM, OFF_INPUT);
  const t2 = b.dense(TEMB_DIM, TEMB_DIM, OFF_INPUT);
  const convIn = b.conv(1, 32, 3, 1, 28, READS_INPUT);
  const enc0 = resBlock(32, 32, 28);
  const down0 = b.conv(32, 64, 3, 2, 14, ON_INPUT);
  const enc1 = resBlock(64, 64, 14);
  const down1 = b.conv(64, 128, 3, 2, 7, ON_INPUT);
  const mid = resBlock(128, 128, 7);
  const upConv1 = b.conv(128, 64, 3, 1, 14, ON_INPUT);
  const dec1 = resBlock(128, 64, 14);
  const upConv0 = b.conv(64, 32, 3, 1, 28, ON_INPUT);
  const dec0 = resBlock(64, 32, 28);
  const gnOut = b.groupNorm(32, 8, 'silu');
  const convOut = b.conv(32, 1, 3, 1, 28, ON_INPUT);

  const half = TIME_DIM / 2;
  const freqs = tf.tensor2d(
    Array.from({ length: half }, (_, i) => Math.exp((-Math.log(10000) * i) / half)),
    [1, half],
  );
  const upZeros = tf.zeros([1, 1, 2, 1, 2, 1]);

  const forward: UnetForward = (x, t) => {
    const [n] = x.shape;
    const args = tf.mul(tf.reshape(t, [n, 1]), freqs);
    const sinus = tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
    const temb = silu(t2(silu(t1(sinus))));
    const h0 = convIn(x);
    const e0 = enc0(h0, temb);
    const e1 = enc1(down0(e0), temb);
    const m = mid(down1(e1), temb);
    const u1 = dec1(tf.concat([upConv1(upsample2x(m, upZeros)), e1], 3), temb);
    const u0 = dec0(tf.concat([upConv0(upsample2x(u1, upZeros)), e0], 3), temb);
    return convOut(gnOut(u0));
  };
  return b.model(forward, [freqs, upZeros]);
}
