import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { encodeSafetensors } from '@robustjs/core';
import { readTorchCheckpoint } from '@robustjs/core/node';
import {
  expectNoLeakAsync,
  expectRobustErrorAsync,
  relativeError,
  useWasm,
} from '@robustjs/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import { diffPure } from '../purifiers/factories';
import { linearSchedule } from '../schedule';
import { loadDiffusersUnet } from './loadDiffusersUnet';

useWasm();

const FIXTURES = join(__dirname, '../../test/fixtures/unet2d');
const tmp = mkdtempSync(join(tmpdir(), 'unet2d-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A copy of a fixture's weights with `change` applied, written to a temporary file. */
async function altered(name: string, change: (w: tf.NamedTensorMap) => void): Promise<string> {
  const w = await readTorchCheckpoint(join(FIXTURES, name, 'diffusion_pytorch_model.safetensors'));
  change(w);
  const path = join(
    tmp,
    `${name}-${Object.keys(w).length}-${Math.random().toString(36).slice(2)}.safetensors`
  );
  writeFileSync(path, await encodeSafetensors(w));
  tf.dispose(Object.values(w));
  return path;
}

describe('loadDiffusersUnet', () => {
  it.each(['ddpm-like', 'multihead'])(
    'loads the %s folder (legacy or current attention names) and matches PyTorch',
    async (name) => {
      const ref = await readTorchCheckpoint(join(FIXTURES, name, 'reference.safetensors'));
      await expectNoLeakAsync(async () => {
        const unet = await loadDiffusersUnet(join(FIXTURES, name));
        const eps = unet.predict(ref.x as tf.Tensor4D, ref.t as tf.Tensor1D);
        expect(relativeError(eps.dataSync(), ref.eps!.dataSync())).toBeLessThan(1e-4);
        eps.dispose();
        unet.dispose();
      });
      tf.dispose(Object.values(ref));
    }
  );

  it('plugs into diffPure (images in [0,1] back, same seed same output)', async () => {
    const unet = await loadDiffusersUnet(join(FIXTURES, 'ddpm-like'));
    const purify = diffPure(unet.predict, linearSchedule(), { t: 100, steps: 3 });
    const x = tf.randomUniform([2, 8, 8, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const [a, b] = [purify(x, undefined, { seed: 2 }), purify(x, undefined, { seed: 2 })];
    expect(a.shape).toEqual([2, 8, 8, 3]);
    const range = tf.tidy(() => [tf.min(a).dataSync()[0]!, tf.max(a).dataSync()[0]!]);
    expect([range[0]! >= 0, range[1]! <= 1]).toEqual([true, true]);
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    tf.dispose([x, a, b]);
    unet.dispose();
  });

  it('takes {config, weights} paths', async () => {
    const dir = join(FIXTURES, 'multihead');
    const unet = await loadDiffusersUnet({
      config: join(dir, 'config.json'),
      weights: join(dir, 'diffusion_pytorch_model.safetensors'),
    });
    expect(unet.paramCount).toBe(41451);
    unet.dispose();
  });

  it('a checkpoint of another architecture: names the file and the tensors', async () => {
    const weights = join(FIXTURES, 'ddpm-like', 'diffusion_pytorch_model.safetensors');
    const e = await expectRobustErrorAsync(() =>
      loadDiffusersUnet({ config: join(FIXTURES, 'multihead', 'config.json'), weights })
    );
    expect(e.message).toContain(weights);
    expect(e.message).toMatch(/'down_blocks\.0\.attentions\.0\.query\.weight' \[8,8\]/);
  });

  it('a truncated file: CORRUPT_FILE naming the file', async () => {
    const bytes = readFileSync(join(FIXTURES, 'multihead', 'diffusion_pytorch_model.safetensors'));
    const path = join(tmp, 'truncated.safetensors');
    writeFileSync(path, bytes.subarray(0, bytes.length - 1000));
    const e = await expectRobustErrorAsync(() =>
      loadDiffusersUnet({ config: join(FIXTURES, 'multihead', 'config.json'), weights: path })
    );
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toContain(path);
  });

  it('a wrong dtype or shape: SHAPE_MISMATCH naming the file and the tensor', async () => {
    const config = join(FIXTURES, 'multihead', 'config.json');
    const ints = await altered('multihead', (w) => {
      w['conv_out.bias'] = tf.cast(w['conv_out.bias']!, 'int32');
    });
    const e1 = await expectRobustErrorAsync(() => loadDiffusersUnet({ config, weights: ints }));
    expect([
      e1.code,
      e1.message.includes(ints),
      e1.message.includes("'conv_out.bias' is int32"),
    ]).toEqual(['SHAPE_MISMATCH', true, true]);
    const shaped = await altered('multihead', (w) => {
      w['conv_in.weight'] = tf.transpose(w['conv_in.weight']!, [2, 3, 1, 0]);
    });
    const e2 = await expectRobustErrorAsync(() => loadDiffusersUnet({ config, weights: shaped }));
    expect([e2.code, e2.message.includes("'conv_in.weight'")]).toEqual(['SHAPE_MISMATCH', true]);
  });

  it('a missing folder, a config that is not JSON, a pickled .pth', async () => {
    expect((await expectRobustErrorAsync(() => loadDiffusersUnet(join(tmp, 'nowhere')))).code).toBe(
      'NOT_FOUND'
    );
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"block_out_channels": [8,');
    const e = await expectRobustErrorAsync(() => loadDiffusersUnet({ config: bad, weights: 'x' }));
    expect([e.code, e.message.includes(bad)]).toEqual(['CORRUPT_FILE', true]);
    const pth = join(tmp, 'model.pth');
    writeFileSync(pth, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0]));
    const e2 = await expectRobustErrorAsync(() =>
      loadDiffusersUnet({ config: join(FIXTURES, 'multihead', 'config.json'), weights: pth })
    );
    expect(e2.message).toMatch(/\.pth checkpoint.*pth_to_safetensors/);
  });
});
