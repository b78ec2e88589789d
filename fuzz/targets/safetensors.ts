// Fuzz targets of safetensors files: core's parse/decode/load, and the loaders built on them
// (diffusion's UNet, DAD's denoiser).
import * as tf from '@tensorflow/tfjs';
import {
  RobustError,
  decodeSafetensors,
  encodeSafetensorsSync,
  loadWeightsFromSafetensors,
  parseSafetensors,
} from '@robustjs/core';
import { Denoiser } from '@robustjs/dad';
import { createUnet, unetFromSafetensors } from '@robustjs/diffusion';
import { mutateSafetensors } from '../lib/safetensorsMutate';
import { digest, type Target } from '../lib/target';

const f32 = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i + 1));

export const safetensors: Target = {
  name: 'safetensors',
  async seeds() {
    const plain = encodeSafetensorsSync(
      {
        'dense/kernel': { dtype: 'float32', shape: [3, 2], data: f32(6) },
        'dense/bias': { dtype: 'float32', shape: [2], data: f32(2) },
        steps: { dtype: 'int32', shape: [], data: Int32Array.of(7) },
        mask: { dtype: 'bool', shape: [4], data: Uint8Array.of(1, 0, 1, 1) },
      },
      { note: 'fuzz seed' },
    );
    const unet = createUnet({ preset: 'tiny', seed: 1, config: { imageSize: 8, baseChannels: 4 } });
    const unetBytes = await unet.toSafetensors();
    unet.dispose();
    const denoiser = new Denoiser({
      inputShape: [4, 4, 1],
      channels: [2, 4],
      forwardBlocks: [1, 1],
      backwardBlocks: [1],
    });
    const denoiserBytes = denoiser.save();
    denoiser.dispose();
    return [[plain], [unetBytes], [denoiserBytes]];
  },
  generate(rng, seeds) {
    const seed = rng.pick(seeds)[0] as Uint8Array;
    if (rng.chance(0.05)) return [rng.bytes(rng.int(2048))];
    return [
      mutateSafetensors(
        seed,
        rng,
        seeds.map((s) => s[0] as Uint8Array),
      ),
    ];
  },
  async run([bytes]) {
    const b = bytes as Uint8Array;
    const outs: string[] = [];
    const tags: string[] = [];
    const names = ['parse', 'decode', 'loadWeights', 'unet', 'denoiser'];
    const settle = (f: () => string): void => {
      const name = names[outs.length] as string;
      try {
        outs.push(f());
        tags.push(`${name}:accept`);
      } catch (e) {
        if (!(e instanceof RobustError)) throw e;
        outs.push(`robust:${e.code}`);
        tags.push(`${name}:${e.code}`);
      }
    };
    settle(() => {
      const p = parseSafetensors(b, 'fuzz.safetensors');
      return digest([
        p.metadata,
        Object.entries(p.tensors).map(([k, t]) => [k, t.dtype, t.shape, t.data]),
      ]);
    });
    settle(() => {
      const m = decodeSafetensors(b, 'fuzz.safetensors');
      try {
        return digest(Object.entries(m));
      } finally {
        tf.dispose(Object.values(m));
      }
    });
    settle(() => {
      const m = loadWeightsFromSafetensors(
        b,
        [{ name: 'dense/kernel', shape: [3, 2], dtype: 'float32' }],
        'fuzz',
      );
      try {
        return digest(Object.entries(m));
      } finally {
        tf.dispose(Object.values(m));
      }
    });
    settle(() => {
      const u = unetFromSafetensors(b, 'fuzz.safetensors');
      const w = u.getWeights();
      try {
        return digest([u.config, Object.entries(w)]);
      } finally {
        tf.dispose(Object.values(w));
        u.dispose();
      }
    });
    settle(() => {
      const d = Denoiser.load(b, 'fuzz.safetensors');
      try {
        return digest(d.save());
      } finally {
        d.dispose();
      }
    });
    return { digest: outs.join(','), tags };
  },
};
