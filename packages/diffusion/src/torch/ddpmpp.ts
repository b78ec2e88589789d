import * as tf from '@tensorflow/tfjs';
import { assert, describeValue, RobustError } from '@robustjs/core';
import type { NoisePredictor } from '@robustjs/core';
import { silu } from '../unet/layers';
import { resolveDdpmppConfig, type DdpmppConfig } from './ddpmppConfig';
import { ddpmppLabels } from './ddpmppLabels';
import {
  attnBlock,
  convLayer,
  denseLayer,
  normLayer,
  resBlock,
  timestepEmbedding,
  type WeightLookup,
} from './ddpmppLayers';
import { ddpmppModules, moduleParams, type DdpmppModule } from './ddpmppModules';

/** Score-SDE's NCSN++ / DDPM++ network in tfjs (see {@link ddpmpp}). */
export interface Ddpmpp {
  /** The architecture. */
  readonly config: DdpmppConfig;
  /**
   * The VP-continuous model as a core `NoisePredictor`: `xt` `[N,S,S,C]` in [−1,1] and per-sample
   * `t` `[N]` (int32 discrete indices, or float32 labels 999·s) → ε `[N,S,S,C]`. The label is
   * `ddpmppLabels(t)`: index n → 999·(n + 1)/N, a float32 label as is. Creates tensors in the
   * caller's scope; differentiable wrt `xt`.
   */
  readonly predict: NoisePredictor;
  /**
   * `NCSNpp.forward(x, time_cond)` itself: `x` `[N,S,S,C]` (centered, [−1,1]) and float32
   * `labels` `[N]` (the `time_cond`, 999·s for the VP continuous models) → `[N,S,S,C]`.
   */
  network(x: tf.Tensor4D, labels: tf.Tensor1D): tf.Tensor4D;
  /** The weights, by torch name, in tfjs layout (owned by the network; see `dispose`). */
  readonly weights: Readonly<tf.NamedTensorMap>;
  /** Number of scalar parameters. */
  readonly paramCount: number;
  /** Disposes the weights. */
  dispose(): void;
}

/** The tfjs shape of a torch tensor of that layout. */
function tfShape(shape: readonly number[], layout: string): number[] {
  if (layout === 'oihw') return [shape[2]!, shape[3]!, shape[1]!, shape[0]!];
  if (layout === 'linear') return [shape[1]!, shape[0]!];
  return [...shape];
}

function checkWeights(weights: unknown, c: DdpmppConfig, mods: DdpmppModule[], fn: string): void {
  assert(
    typeof weights === 'object' && weights !== null && !Array.isArray(weights),
    'INVALID_ARGUMENT',
    () =>
      `Argument 'weights' passed to '${fn}' must map torch names to tensors (from ` +
      `importTorchTensors with ddpmppTorchParams), got ${describeValue(weights)}.`,
  );
  const w = weights as Record<string, unknown>;
  const expected = mods.flatMap((m, i) => moduleParams(m, i, c));
  const names = new Set(expected.map((p) => p.name));
  for (const p of expected) {
    const t = Object.prototype.hasOwnProperty.call(w, p.name) ? w[p.name] : undefined;
    if (!(t instanceof tf.Tensor) || t.isDisposed) {
      throw new RobustError(
        'NOT_FOUND',
        `Argument 'weights' passed to '${fn}' has no live tensor ` +
          `'${p.name}' (got ${describeValue(t)}). Load every tensor of ddpmppTorchParams(config).`,
      );
    }
    const want = tfShape(p.shape, p.layout);
    assert(
      t.dtype === 'float32' &&
        t.shape.length === want.length &&
        t.shape.every((d: number, i: number) => d === want[i]),
      'SHAPE_MISMATCH',
      () =>
        `Tensor '${p.name}' of argument 'weights' passed to '${fn}' must be float32 ` +
        `${describeValue(want)} (tfjs layout of torch ${describeValue(p.shape)}), got ${t.dtype} ` +
        `${describeValue(t.shape)}. Check the config, and convert with importTorchTensors.`,
    );
  }
  const extra = Object.keys(w).filter((k) => !names.has(k));
  assert(
    extra.length === 0,
    'INVALID_ARGUMENT',
    () =>
      `Argument 'weights' passed to '${fn}' holds tensors this config does not have: ` +
      `${extra
        .slice(0, 8)
        .map((k) => `'${k}'`)
        .join(', ')}${extra.length > 8 ? ', …' : ''}. ` +
      'Check the config (nf, chMult, numResBlocks, attnResolutions) against the checkpoint.',
  );
}

type Apply = (h: tf.Tensor4D, actTemb?: tf.Tensor2D) => tf.Tensor4D;

/** One closure per 4-D module of `all_modules` (undefined for the dense layers). */
function buildLayers(
  c: DdpmppConfig,
  mods: DdpmppModule[],
  w: WeightLookup,
): (Apply | undefined)[] {
  return mods.map((m, i): Apply | undefined => {
    const p = `all_modules.${i}`;
    switch (m.kind) {
      case 'dense':
        return undefined;
      case 'conv':
        return convLayer(w, p);
      case 'norm':
        return normLayer(w, p, m.ch, 'silu');
      case 'attn':
        return attnBlock(w, p, m.ch, c.skipRescale);
      case 'res':
        return resBlock(w, p, m, c.skipRescale, c.conditional);
    }
  });
}

/**
 * Builds Score-SDE's NCSN++ / DDPM++ network (Song et al., ICLR 2021,
 * [arXiv:2011.13456](https://arxiv.org/abs/2011.13456); `models/ncsnpp.py` of
 * yang-song/score_sde_pytorch) in NHWC from a config and weights named as its state dict:
 * a positional embedding of the time label through two dense layers (SiLU between), a 3×3 input
 * conv, per level `numResBlocks` BigGAN residual blocks (attention after each at `attnResolutions`)
 * and a downsampling residual block, a middle res–attention–res, per level `numResBlocks + 1`
 * blocks on the concatenated skips (attention after them) and an upsampling block, GroupNorm–SiLU
 * and a 3×3 output conv; residual sums divided by √2 (`skip_rescale`).
 *
 * With the VP continuous configs and `scale_by_sigma = False` the network predicts ε:
 * Score-SDE's score is `−network(x, 999·s)/σ(s)` (`get_score_fn(continuous=True)`), so
 * `ε = −σ(s)·score = network(x, 999·s)`, which `predict` returns.
 *
 * @param config - overrides of `DDPMPP_DEFAULTS` (default: the deep continuous CIFAR-10 config).
 * @param weights - every tensor of `ddpmppTorchParams(config)`, keyed by torch name, in tfjs layout
 *   (what core's `importTorchTensors` returns); the network takes ownership.
 * @returns the network; `dispose()` frees the weights.
 * @throws {@link @robustjs/core!index.RobustError} as {@link resolveDdpmppConfig}; `NOT_FOUND` for
 *   a missing weight, `SHAPE_MISMATCH` for a weight of another shape or dtype,
 *   `INVALID_ARGUMENT` for weights the config does not have. All checked before any work.
 * @example
 * ```ts
 * const raw = await readTorchCheckpoint('ddpmpp.safetensors');
 * const weights = importTorchTensors(raw, ddpmppTorchParams(), { file: 'ddpmpp.safetensors',
 *   architecture: 'ddpmpp' });
 * const model = ddpmpp(undefined, weights);
 * const eps = model.predict(xt, tf.tensor1d([99, 99], 'int32')); // [2,32,32,3]
 * ```
 */
export function ddpmpp(
  config: Partial<DdpmppConfig> | undefined,
  weights: tf.NamedTensorMap,
): Ddpmpp {
  const fn = 'ddpmpp';
  const c = resolveDdpmppConfig(config, fn);
  const mods = ddpmppModules(c, fn);
  checkWeights(weights, c, mods, fn);
  const owned = Object.freeze({ ...weights });
  const w: WeightLookup = (name) => owned[name]!;
  const layers = buildLayers(c, mods, w);
  const dense = c.conditional
    ? [denseLayer(w, 'all_modules.0'), denseLayer(w, 'all_modules.1')]
    : [];
  const levels = c.chMult.length;
  const S = c.imageSize;

  const network = (x: tf.Tensor4D, labels: tf.Tensor1D, name = 'network'): tf.Tensor4D => {
    assert(
      x instanceof tf.Tensor &&
        x.rank === 4 &&
        x.shape[1] === S &&
        x.shape[2] === S &&
        x.shape[3] === c.channels,
      'SHAPE_MISMATCH',
      () =>
        `Argument 'x' passed to 'ddpmpp.${name}' ` +
        `must be [N,${S},${S},${c.channels}], got ${describeValue(x?.shape)}.`,
    );
    assert(
      labels instanceof tf.Tensor &&
        labels.rank === 1 &&
        labels.shape[0] === x.shape[0] &&
        labels.dtype === 'float32',
      'SHAPE_MISMATCH',
      () =>
        `Argument 'labels' passed to ` +
        `'ddpmpp.${name}' must be float32 [${x.shape[0]}], got ${describeValue(labels)}.`,
    );
    return tf.tidy(() => {
      let m = c.conditional ? 2 : 0;
      const at = (h: tf.Tensor4D, actTemb?: tf.Tensor2D): tf.Tensor4D => layers[m++]!(h, actTemb);
      const actTemb = c.conditional
        ? silu(dense[1]!(silu(dense[0]!(timestepEmbedding(labels, c.nf)))))
        : undefined;
      const hs: tf.Tensor4D[] = [at(x)];
      for (let level = 0; level < levels; level++) {
        for (let b = 0; b < c.numResBlocks; b++) {
          let h = at(hs[hs.length - 1]!, actTemb);
          if (mods[m]?.kind === 'attn') h = at(h);
          hs.push(h);
        }
        if (level !== levels - 1) hs.push(at(hs[hs.length - 1]!, actTemb));
      }
      let h = at(at(at(hs[hs.length - 1]!, actTemb)), actTemb);
      for (let level = levels - 1; level >= 0; level--) {
        for (let b = 0; b < c.numResBlocks + 1; b++) h = at(tf.concat([h, hs.pop()!], 3), actTemb);
        if (mods[m]?.kind === 'attn') h = at(h);
        if (level !== 0) h = at(h, actTemb);
      }
      return at(at(h));
    });
  };
  const predict: NoisePredictor = (xt, t) => {
    assert(
      t instanceof tf.Tensor && t.rank === 1 && t.shape[0] === xt?.shape?.[0],
      'SHAPE_MISMATCH',
      () =>
        `Argument 't' passed to 'ddpmpp.predict' must be per-sample timesteps ` +
        `[${describeValue(xt?.shape?.[0])}], got ${describeValue(t)}.`,
    );
    const labels = ddpmppLabels(t, c.numScales);
    try {
      return network(xt, labels, 'predict');
    } finally {
      labels.dispose();
    }
  };
  return {
    config: c,
    predict,
    network: (x, labels) => network(x, labels),
    weights: owned,
    paramCount: Object.values(owned).reduce((s, t) => s + t.size, 0),
    dispose: () => tf.dispose(Object.values(owned)),
  };
}
