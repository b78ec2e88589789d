import * as tf from '@tensorflow/tfjs';
import { assert, describeValue, encodeSafetensors, loadWeightsFromSafetensors, parseSafetensors, RobustError } from '@robustjs/core';
import type { NoisePredictor } from '@robustjs/core';
import { resolveUnetConfig, type UnetConfig, type UnetPreset } from './config';
import { ParamBuilder, silu, sinusoidalEmbedding, upsample2x } from './layers';

/** A trainable DDPM-style epsilon-prediction UNet (see {@link createUnet}). */
export interface Unet {
  /** The architecture. */
  readonly config: UnetConfig;
  /**
   * The {@link NoisePredictor}: `xt` `[N,S,S,C]` in [−1,1] and per-sample times `t` `[N]` (int32 indices, or
   * float32 real-valued times from the SDE solvers) → predicted noise `[N,S,S,C]`. Creates tensors in the
   * caller's scope; differentiable wrt `xt` and the weights.
   */
  readonly predict: NoisePredictor;
  /** The parameters by stable name (e.g. `enc.0.res.0.conv1.w`). */
  readonly namedVariables: ReadonlyMap<string, tf.Variable>;
  /** The parameters in creation order. */
  readonly variables: readonly tf.Variable[];
  /** Number of scalar parameters. */
  readonly paramCount: number;
  /** Copies of the weights by name (the caller disposes them). */
  getWeights(): tf.NamedTensorMap;
  /**
   * Assigns weights by name; every name must be present with the right shape.
   * @throws RobustError `NOT_FOUND` for a missing name, `SHAPE_MISMATCH` for a wrong shape.
   */
  setWeights(weights: tf.NamedTensorMap): void;
  /** Encodes config and weights as a safetensors file (config in the metadata). */
  toSafetensors(metadata?: Record<string, string>): Promise<Uint8Array>;
  /** Disposes every parameter. */
  dispose(): void;
}

/** Options of {@link createUnet}. */
export interface CreateUnetOptions {
  /** Size preset. Default `'small'`. */
  readonly preset?: UnetPreset;
  /** Changes to the preset's config. */
  readonly config?: Partial<UnetConfig>;
  /** Seed of the weight initialisation. Default 0. */
  readonly seed?: number;
}

type Block = (x: tf.Tensor4D, temb: tf.Tensor2D) => tf.Tensor4D;

function resBlock(b: ParamBuilder, name: string, cin: number, cout: number, c: UnetConfig): Block {
  const gn1 = b.groupNorm(`${name}.gn1`, cin, c.groups, 'silu');
  const conv1 = b.conv(`${name}.conv1`, cin, cout, 3);
  const proj = b.dense(`${name}.temb`, c.tembDim, cout);
  const gn2 = b.groupNorm(`${name}.gn2`, cout, c.groups, 'silu');
  const conv2 = b.conv(`${name}.conv2`, cout, cout, 3);
  const skip = cin !== cout ? b.conv(`${name}.skip`, cin, cout, 1) : undefined;
  return (x, temb) => {
    const n = x.shape[0];
    let h = conv1(gn1(x));
    h = tf.add(h, tf.reshape(proj(temb), [n, 1, 1, cout]));
    h = conv2(gn2(h));
    return tf.add(h, skip !== undefined ? skip(x) : x);
  };
}

function attentionBlock(b: ParamBuilder, name: string, ch: number, groups: number): (x: tf.Tensor4D) => tf.Tensor4D {
  const gn = b.groupNorm(`${name}.gn`, ch, groups);
  const qkv = b.dense(`${name}.qkv`, ch, 3 * ch);
  const out = b.dense(`${name}.out`, ch, ch);
  return (x) => {
    const [n, h, w] = x.shape;
    const tokens = tf.reshape(gn(x), [n * h * w, ch]) as tf.Tensor2D;
    const [q, k, v] = tf.split(tf.reshape(qkv(tokens), [n, h * w, 3 * ch]), 3, 2) as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
    const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(ch)));
    const y = tf.reshape(tf.matMul(att, v), [n * h * w, ch]);
    return tf.add(x, tf.reshape(out(y as tf.Tensor2D), [n, h, w, ch]));
  };
}

/** Defines every parameter of the network on `b` and returns its forward pass. */
function defineUnet(b: ParamBuilder, c: UnetConfig): NoisePredictor {
  const t1 = b.dense('temb.0', c.timeDim, c.tembDim);
  const t2 = b.dense('temb.1', c.tembDim, c.tembDim);
  const convIn = b.conv('in', c.channels, c.baseChannels, 3);
  const L = c.channelMults.length;
  const ch = c.channelMults.map((m) => c.baseChannels * m);
  const enc: Block[][] = [];
  const down: ((x: tf.Tensor4D) => tf.Tensor4D)[] = [];
  let cur = c.baseChannels;
  for (let l = 0; l < L - 1; l++) {
    const blocks: Block[] = [];
    for (let r = 0; r < c.numResBlocks; r++) {
      blocks.push(resBlock(b, `enc.${l}.res.${r}`, cur, ch[l]!, c));
      cur = ch[l]!;
    }
    enc.push(blocks);
    down.push(b.conv(`enc.${l}.down`, cur, ch[l + 1]!, 3, 2));
    cur = ch[l + 1]!;
  }
  const mid: Block[] = [];
  for (let r = 0; r < c.numResBlocks; r++) mid.push(resBlock(b, `mid.res.${r}`, cur, cur, c));
  const att = c.attention ? attentionBlock(b, 'mid.attn', cur, c.groups) : undefined;
  const midOut = c.attention ? resBlock(b, 'mid.res.out', cur, cur, c) : undefined;
  const dec: { up: (x: tf.Tensor4D) => tf.Tensor4D; blocks: Block[] }[] = [];
  for (let l = L - 2; l >= 0; l--) {
    const up = b.conv(`dec.${l}.up`, cur, ch[l]!, 3);
    const blocks: Block[] = [];
    for (let r = 0; r < c.numResBlocks; r++) blocks.push(resBlock(b, `dec.${l}.res.${r}`, r === 0 ? 2 * ch[l]! : ch[l]!, ch[l]!, c));
    dec.push({ up, blocks });
    cur = ch[l]!;
  }
  const gnOut = b.groupNorm('out.gn', cur, c.groups, 'silu');
  const convOut = b.conv('out.conv', cur, c.channels, 3, 1, 0);

  return (x, t) => {
    assert(x instanceof tf.Tensor && x.rank === 4 && x.shape[1] === c.imageSize && x.shape[2] === c.imageSize &&
      x.shape[3] === c.channels, 'SHAPE_MISMATCH', () =>
      `Argument 'xt' passed to 'unet.predict' must be [N,${c.imageSize},${c.imageSize},${c.channels}], got ${describeValue(x?.shape)}.`);
    assert(t instanceof tf.Tensor && t.rank === 1 && t.shape[0] === x.shape[0], 'SHAPE_MISMATCH', () =>
      `Argument 't' passed to 'unet.predict' must be per-sample timesteps [${x.shape[0]}], got ${describeValue(t?.shape)}.`);
    const temb = silu(t2(silu(t1(sinusoidalEmbedding(t, c.timeDim)))));
    let h = convIn(x);
    const skips: tf.Tensor4D[] = [];
    for (let l = 0; l < L - 1; l++) {
      for (const blk of enc[l]!) h = blk(h, temb);
      skips.push(h);
      h = down[l]!(h);
    }
    for (const blk of mid) h = blk(h, temb);
    if (att !== undefined && midOut !== undefined) h = midOut(att(h), temb);
    for (const { up, blocks } of dec) {
      const skip = skips.pop()!;
      h = tf.concat([up(upsample2x(h)), skip], 3);
      for (const blk of blocks) h = blk(h, temb);
    }
    return convOut(gnOut(h));
  };
}

/**
 * The parameter names and shapes a config implies, computed without allocating any tensor (internal).
 * @param maxParams - stop with `onTooMany` once the network has more parameters than this.
 */
export function unetParamShapes(config: UnetConfig, maxParams = Infinity, onTooMany?: () => never): ReadonlyMap<string, number[]> {
  const b = new ParamBuilder(0, { shapesOnly: true, maxParams, onTooMany });
  defineUnet(b, config);
  return b.shapes;
}

function buildUnet(config: UnetConfig, seed: number): Unet {
  const c = config;
  const b = new ParamBuilder(seed);
  const predict = defineUnet(b, c);
  const named = b.params;
  const variables = [...named.values()];
  return {
    config: c,
    predict,
    namedVariables: named,
    variables,
    paramCount: variables.reduce((s, v) => s + v.size, 0),
    getWeights() {
      return Object.fromEntries([...named].map(([k, v]) => [k, tf.clone(v)]));
    },
    setWeights(weights) {
      for (const [k, v] of named) {
        const w = weights[k];
        if (w === undefined) throw new RobustError('NOT_FOUND', `'unet.setWeights' got no tensor named '${k}'. Give every weight of the network (see unet.namedVariables).`);
        assert(w.shape.length === v.shape.length && w.shape.every((d, i) => d === v.shape[i]), 'SHAPE_MISMATCH', () =>
          `'unet.setWeights': tensor '${k}' must have shape ${describeValue(v.shape)}, got ${describeValue(w.shape)}.`);
      }
      for (const [k, v] of named) v.assign(weights[k]!);
    },
    toSafetensors(metadata = {}) {
      return encodeSafetensors(Object.fromEntries(named), { ...metadata, format: 'robustjs-unet', config: JSON.stringify(c) });
    },
    dispose() {
      for (const v of variables) v.dispose();
    },
  };
}

/**
 * Creates a DDPM-style epsilon-prediction UNet (Ho et al. 2020, scaled down): a sinusoidal embedding of the
 * per-sample timestep through a two-layer SiLU MLP, added in every residual block (GroupNorm → SiLU → 3×3 conv,
 * twice, with a 1×1 skip when channels change); stride-2 convolutions down, nearest ×2 + 3×3 conv up, skip
 * concatenation, optional single-head self-attention at the lowest resolution, a zero-initialised output conv.
 * Input `[N,S,S,C]` in [−1,1] and `t` `[N]`; output the predicted noise, same shape as the input.
 *
 * @param options - `preset` (`'tiny'` | `'small'` (default) | `'base'`), `config` overrides, `seed` (default 0).
 * @returns the network; call `dispose()` when done.
 * @throws RobustError for an unknown preset or option, or an inconsistent config (see {@link resolveUnetConfig}).
 * @example
 * ```ts
 * const unet = createUnet({ preset: 'small', seed: 1 });
 * const eps = unet.predict(xt, tf.tensor1d([10, 500], 'int32'));
 * ```
 */
export function createUnet(options: CreateUnetOptions = {}): Unet {
  const fn = 'createUnet';
  const { preset = 'small', config, seed = 0, ...rest } = options;
  assert(Object.keys(rest).length === 0, 'UNKNOWN_OPTION', () =>
    `'${fn}' got unknown option(s) ${Object.keys(rest).join(', ')}; known: preset, config, seed.`);
  assert(Number.isInteger(seed), 'INVALID_ARGUMENT', () => `Option 'seed' passed to '${fn}' must be an integer, got ${describeValue(seed)}.`);
  return buildUnet(resolveUnetConfig(preset, config, fn), seed);
}

/**
 * Rebuilds a {@link Unet} from a safetensors file written by `unet.toSafetensors()`: the config comes from the
 * metadata, every weight is checked by name and shape.
 *
 * @param bytes - the file's bytes.
 * @param source - a name for messages (e.g. the path).
 * @returns the network with the stored weights.
 * @throws RobustError `CORRUPT_FILE` when the file is not a robustjs UNet, is truncated, or holds tensors whose names
 *   or shapes differ from what its config implies (checked before the network is allocated), `NOT_FOUND` /
 *   `SHAPE_MISMATCH` for missing or mis-shaped tensors.
 * @example
 * ```ts
 * const unet = unetFromSafetensors(await readFile('unet.safetensors'), 'unet.safetensors');
 * ```
 */
export function unetFromSafetensors(bytes: Uint8Array, source = '<memory>'): Unet {
  const fn = 'unetFromSafetensors';
  const { metadata, tensors } = parseSafetensors(bytes, source);
  assert(metadata.format === 'robustjs-unet' && typeof metadata.config === 'string', 'CORRUPT_FILE', () =>
    `'${fn}': '${source}' is not a robustjs UNet file (metadata format '${metadata.format ?? 'missing'}'). ` +
      'Write it with unet.toSafetensors() or saveUnet().');
  let config: UnetConfig;
  try {
    config = JSON.parse(metadata.config) as UnetConfig;
  } catch (cause) {
    throw new RobustError('CORRUPT_FILE', `'${fn}': the config stored in '${source}' is not valid JSON.`, { cause });
  }
  const resolved = resolveUnetConfig('small', config, fn);
  // Check the tensors present against the config before allocating anything: a tiny file whose metadata
  // declares a huge network must fail here, not after building it.
  const present = Object.keys(tensors);
  const corrupt = (what: string): never => {
    throw new RobustError('CORRUPT_FILE', `'${fn}': '${source}' does not hold the weights its config describes: ${what}. ` +
      'The file is truncated or its metadata was edited; write it again with unet.toSafetensors() or saveUnet().');
  };
  const shapes = unetParamShapes(resolved, present.length, () =>
    corrupt(`the config implies more than the ${present.length} tensor(s) in the file`));
  for (const [name, shape] of shapes) {
    const t = tensors[name];
    if (t === undefined) corrupt(`tensor '${name}' is missing`);
    else if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      corrupt(`tensor '${name}' has shape ${describeValue(t.shape)}, the config implies ${describeValue(shape)}`);
    }
  }
  const unet = buildUnet(resolved, 0);
  try {
    const expected = [...unet.namedVariables].map(([name, v]) => ({ name, shape: v.shape, dtype: 'float32' as const }));
    const weights = loadWeightsFromSafetensors(bytes, expected, source);
    unet.setWeights(weights);
    tf.dispose(weights);
  } catch (error) {
    unet.dispose();
    throw error;
  }
  return unet;
}
