import * as tf from '@tensorflow/tfjs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRobustError, expectRobustErrorAsync } from '@robustjs/test-utils';
import { encodeSafetensorsSync, parseSafetensors } from '@robustjs/core';
import { loadTorchClassifier } from './loadTorchClassifier';
import { torchClassifierArchitecture } from './torchClassifiers';
import { wideResNet } from './wideResNet';

const WRN = fileURLToPath(
  new URL('../../test/fixtures/torch/wrn-10-1.safetensors', import.meta.url),
);
let dir = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'torch-classifier-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadTorchClassifier: bad checkpoints are RobustErrors naming the file and tensor', () => {
  it('a checkpoint of another architecture', async () => {
    const before = tf.memory().numTensors;
    const e = await expectRobustErrorAsync(() =>
      loadTorchClassifier(WRN, { architecture: 'wrn-16-1' }),
    );
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain(WRN);
    expect(e.message).toContain('wrn-16-1');
    expect(e.message).toContain("'block1.layer.1.bn1.weight' [16]");
    const r = await expectRobustErrorAsync(() =>
      loadTorchClassifier(WRN, { architecture: 'resnet-50' }),
    );
    expect(r.message).toContain("'layer1.0.conv1.weight'");
    expect(r.message).toContain("unexpected: 'block1.layer.0.bn1.bias'");
    const w = await expectRobustErrorAsync(() =>
      loadTorchClassifier(WRN, { architecture: 'wrn-10-1', config: { numClasses: 100 } }),
    );
    expect(w.code).toBe('SHAPE_MISMATCH');
    expect(w.message).toContain("'fc.weight' is [10,64], expected [100,64]");
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a truncated file', async () => {
    const bytes = await readFile(WRN);
    const file = join(dir, 'cut.safetensors');
    await writeFile(file, bytes.subarray(0, bytes.length - 1000));
    const e = await expectRobustErrorAsync(() =>
      loadTorchClassifier(file, { architecture: 'wrn-10-1' }),
    );
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toContain(file);
    expect(e.message).toContain("tensor 'fc.weight'");
  });

  it('a wrong dtype', async () => {
    const { tensors } = parseSafetensors(await readFile(WRN));
    const conv = tensors['conv1.weight']!;
    const file = join(dir, 'int.safetensors');
    await writeFile(
      file,
      encodeSafetensorsSync({
        ...tensors,
        'conv1.weight': {
          dtype: 'int32',
          shape: conv.shape,
          data: new Int32Array(conv.data.length),
        },
      }),
    );
    const e = await expectRobustErrorAsync(() =>
      loadTorchClassifier(file, { architecture: 'wrn-10-1' }),
    );
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toContain(file);
    expect(e.message).toContain("'conv1.weight' is int32, expected float32");
  });

  it('a .pth where safetensors is expected', async () => {
    const file = join(dir, 'model.pth');
    await writeFile(file, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]));
    const e = await expectRobustErrorAsync(() =>
      loadTorchClassifier(file, { architecture: 'wrn-28-10' }),
    );
    expect(e.code).toBe('INVALID_ARGUMENT');
    expect(e.message).toContain(file);
    expect(e.message).toContain(
      'python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors',
    );
  });

  it('an unknown architecture or config key', async () => {
    const e = await expectRobustErrorAsync(() =>
      loadTorchClassifier(WRN, { architecture: 'vgg-16' }),
    );
    expect(e.message).toContain('wrn-28-10, wrn-34-10');
    const k = expectRobustError(() => torchClassifierArchitecture('wrn-28-10', { widen: 3 }));
    expect(k.code).toBe('UNKNOWN_OPTION');
    const d = expectRobustError(() => torchClassifierArchitecture('wrn-27-10'));
    expect(d.message).toContain("Option 'depth'");
  });
});

describe('the classifier', () => {
  it('refuses images of another shape; dispose frees its weights', async () => {
    const before = tf.memory().numTensors;
    const f = await loadTorchClassifier(WRN, { architecture: 'wrn-10-1' });
    expect(f.parameterCount).toBe(77_850); // sum(p.numel() for p in model.parameters())
    expect(f.architecture).toBe('wrn-10-1');
    expect(f.config).toMatchObject({ depth: 10, width: 1, numClasses: 10 });
    const grey = tf.zeros([1, 32, 32, 1]) as tf.Tensor4D;
    const e = expectRobustError(() => f(grey));
    expect(e.message).toContain('[N,H,W,3]');
    expect(e.message).toContain('[1,32,32,1]');
    grey.dispose();
    f.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a missing weight when built directly', () => {
    const e = expectRobustError(() => wideResNet({}, { depth: 10, width: 1 }));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain("'conv1.weight'");
  });
});
