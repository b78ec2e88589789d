// The UNet on @robustjs/native's fused GroupNorm (+ SiLU) and oneDNN convolutions equals the UNet on tfjs ops: the
// forward pass, the input gradient, every weight gradient (training), and a checkpointed purifier gradient (nested
// tapes through the fused op's custom gradient). CI builds the addon and sets ROBUSTJS_NATIVE_REQUIRED=1.
import * as tf from '@tensorflow/tfjs';
import { groupNormIsFused } from '@robustjs/core';
import { loadNative, registerNativeKernels, unregisterNativeKernels } from '@robustjs/native';
import { relativeError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { useWasm } from '../../test/helpers';
import { diffPure } from '../purifiers/factories';
import { linearSchedule } from '../schedule';
import { createUnet } from './unet';

useWasm();

const native = loadNative();
const required = process.env.ROBUSTJS_NATIVE_REQUIRED === '1';

/** Forward, input gradient, weight gradients and a checkpointed DiffPure input gradient, as plain arrays. */
function run(): Float32Array[] {
  const unet = createUnet({ preset: 'tiny', seed: 5, config: { attention: true } });
  // non-trivial norms and output: random gamma/beta and output weights
  let k = 0;
  for (const [name, v] of unet.namedVariables) {
    if (name.endsWith('.gamma') || name.endsWith('.beta') || name.startsWith('out.conv')) tf.tidy(() => v.assign(tf.randomNormal(v.shape, name.endsWith('.gamma') ? 1 : 0, 0.3, 'float32', 40 + k++)));
  }
  const out = tf.tidy(() => {
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const t = tf.tensor1d([3, 250, 700], 'int32');
    const w = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 2);
    const y = unet.predict(x, t);
    const gx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(unet.predict(v as tf.Tensor4D, t), w)))(x);
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(unet.predict(x, t), w)) as tf.Scalar, [...unet.variables] as tf.Variable[]);
    const images = tf.sigmoid(x) as tf.Tensor4D;
    const ck = diffPure(unet.predict, linearSchedule(), { t: 30, steps: 3, gradient: 'checkpoint' });
    const gp = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(ck.purify(v as tf.Tensor4D, { seed: 3 }), w)))(images);
    return [y, gx, ...unet.variables.map((v) => grads[v.name]!), gp];
  });
  const arrays = out.map((o) => o.dataSync().slice() as Float32Array);
  tf.dispose(out);
  unet.dispose();
  return arrays;
}

if (native.ok || required) {
  describe('UNet on the native fused GroupNorm', () => {
    it('equals the UNet on tfjs ops: forward, input and weight gradients, checkpointed purifier gradient (1e-4)', () => {
      if (!native.ok) throw new Error(`ROBUSTJS_NATIVE_REQUIRED=1 but the addon is unavailable: ${native.reason}`);
      expect(groupNormIsFused()).toBe(false);
      const reference = run();
      expect(registerNativeKernels('wasm').ok).toBe(true);
      try {
        expect(groupNormIsFused()).toBe(true);
        const before = tf.memory().numTensors;
        const got = run();
        expect(tf.memory().numTensors).toBe(before);
        expect(got.length).toBe(reference.length);
        got.forEach((g, i) => expect(relativeError(g, reference[i]!), `output ${i}`).toBeLessThan(1e-4));
        // the norm parameters get gradients: the fused gradient reaches gamma and beta
        expect(Math.max(...got.slice(2, -1).map((g) => Math.max(...Array.from(g, Math.abs))))).toBeGreaterThan(0);
      } finally {
        unregisterNativeKernels('wasm');
      }
      expect(groupNormIsFused()).toBe(false);
    });
  });
} else {
  it('the native addon is not built here: loadNative says why (set ROBUSTJS_NATIVE_REQUIRED=1 to fail instead)', () => {
    expect(native.ok).toBe(false);
    expect((native as { reason: string }).reason.length).toBeGreaterThan(10);
  });
}
