import * as tf from '@tensorflow/tfjs';
import { expectNoLeak, expectRobustError } from '@robustjs/test-utils';
import { describe, expect, it } from 'vitest';
import { useWasm } from '../../test/helpers';
import { resolveUnetConfig } from './config';
import { createUnet, unetFromSafetensors, unetParamShapes } from './unet';
import { encodeSafetensors } from '@robustjs/core';

useWasm();

describe('Unet', () => {
  it('presets: parameter counts and output shapes, per-sample t', () => {
    const small = createUnet({ preset: 'small' });
    expect(small.paramCount).toBe(785057);
    small.dispose();
    const tiny = createUnet({ preset: 'tiny', config: { attention: true } });
    const x = tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = tiny.predict(x, tf.tensor1d([0, 500, 999], 'int32'));
    expect(y.shape).toEqual([3, 28, 28, 1]);
    // the output conv starts at zero: the untrained network predicts 0
    expect(tf.max(tf.abs(y)).dataSync()[0]).toBe(0);
    const rgb = createUnet({ preset: 'tiny', config: { imageSize: 32, channels: 3 } });
    expect(rgb.predict(tf.zeros([1, 32, 32, 3]) as tf.Tensor4D, tf.tensor1d([3])).shape).toEqual([1, 32, 32, 3]);
    tf.dispose([x, y]);
    tiny.dispose();
    rgb.dispose();
  });

  it('depends on t per sample and is tidy', () => {
    const u = createUnet({ preset: 'tiny', seed: 2 });
    // give the output conv weights so the output is not identically zero
    u.namedVariables.get('out.conv.w')!.assign(tf.randomNormal(u.namedVariables.get('out.conv.w')!.shape, 0, 0.1, 'float32', 3));
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 4) as tf.Tensor4D;
    const xx = tf.concat([x, x]) as tf.Tensor4D;
    const out = u.predict(xx, tf.tensor1d([10, 10, 10, 900], 'int32')).arraySync();
    expect(out[1]).not.toEqual(out[3]);
    expect(out[0]).toEqual(out[2]);
    expectNoLeak(() => tf.tidy(() => u.predict(x, tf.tensor1d([1, 2], 'int32'))));
    tf.dispose([x, xx]);
    u.dispose();
  });

  it('safetensors round trip gives the same outputs; corrupt files are rejected', async () => {
    const a = createUnet({ preset: 'tiny', seed: 5 });
    a.namedVariables.get('out.conv.w')!.assign(tf.randomNormal(a.namedVariables.get('out.conv.w')!.shape, 0, 0.1, 'float32', 6));
    const bytes = await a.toSafetensors({ note: 'test' });
    const b = unetFromSafetensors(bytes, 'mem');
    expect(b.config).toEqual(a.config);
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const t = tf.tensor1d([5, 50], 'int32');
    expect(b.predict(x, t).arraySync()).toEqual(a.predict(x, t).arraySync());
    expect(expectRobustError(() => unetFromSafetensors(bytes.slice(0, bytes.length - 10), 'cut')).code).toBe('CORRUPT_FILE');
    const other = createUnet({ preset: 'tiny', config: { baseChannels: 12 } });
    const otherBytes = await other.toSafetensors();
    expect(unetFromSafetensors(otherBytes).paramCount).toBe(other.paramCount);
    tf.dispose([x, t]);
    [a, b, other].forEach((m) => m.dispose());
  });

  it('bad input: wrong image size, wrong t length, bad configs, unknown options', () => {
    const u = createUnet({ preset: 'tiny' });
    expect(expectRobustError(() => u.predict(tf.zeros([1, 32, 32, 1]) as tf.Tensor4D, tf.tensor1d([1]))).code).toBe('SHAPE_MISMATCH');
    expect(expectRobustError(() => u.predict(tf.zeros([2, 28, 28, 1]) as tf.Tensor4D, tf.tensor1d([1]))).code).toBe('SHAPE_MISMATCH');
    expect(expectRobustError(() => resolveUnetConfig('small', { imageSize: 30 }, 'createUnet')).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => resolveUnetConfig('small', { groups: 7 }, 'createUnet')).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => resolveUnetConfig('huge' as never, {}, 'createUnet')).code).toBe('INVALID_ARGUMENT');
    expect(expectRobustError(() => createUnet({ size: 3 } as never)).code).toBe('UNKNOWN_OPTION');
    expect(expectRobustError(() => u.setWeights({})).code).toBe('NOT_FOUND');
    u.dispose();
  });

  it('a tiny file whose config declares a huge network is CORRUPT_FILE before any allocation (#24)', async () => {
    // 226-byte reproducer: metadata says baseChannels 1024 (≈ 3 GB of weights), the file holds no tensors
    const config = JSON.stringify({ ...resolveUnetConfig('small', {}, 'test'), baseChannels: 1024 });
    const empty = await encodeSafetensors({}, { format: 'robustjs-unet', config });
    const before = tf.memory().numTensors;
    const start = Date.now();
    const e = expectRobustError(() => unetFromSafetensors(empty, 'huge.safetensors'));
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toContain('huge.safetensors');
    expect(Date.now() - start).toBeLessThan(2000);
    expect(tf.memory().numTensors).toBe(before);
    // tensors present but of the wrong shape for the config: also CORRUPT_FILE, still before building the model
    const tiny = createUnet({ preset: 'tiny' });
    const weights = tiny.getWeights();
    const wider = JSON.stringify({ ...tiny.config, baseChannels: 16 });
    const mismatched = await encodeSafetensors(weights, { format: 'robustjs-unet', config: wider });
    tf.dispose(weights);
    tiny.dispose();
    const n = tf.memory().numTensors;
    const e2 = expectRobustError(() => unetFromSafetensors(mismatched, 'edited.safetensors'));
    expect(e2.code).toBe('CORRUPT_FILE');
    expect(e2.message).toContain('edited.safetensors');
    expect(tf.memory().numTensors).toBe(n);
    // the shape computation allocates nothing and matches the built network
    const shapes = unetParamShapes(resolveUnetConfig('tiny', {}, 'test'));
    const built = createUnet({ preset: 'tiny' });
    expect([...shapes]).toEqual([...built.namedVariables].map(([k, v]) => [k, v.shape]));
    built.dispose();
  });
});
