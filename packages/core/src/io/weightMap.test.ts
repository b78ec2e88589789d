import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeakAsync, expectRobustErrorAsync } from '@robustjs/test-utils';
import { loadWeightMap } from './weightMap';

let dir = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'robustjs-weightmap-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeCheckpoint(name: string): Promise<string> {
  const sub = await mkdtemp(join(dir, 'ckpt-'));
  const manifest = [{ paths: ['weights.bin'], weights: [{ name, shape: [2], dtype: 'float32' }] }];
  await writeFile(join(sub, 'model.json'), JSON.stringify({ weightsManifest: manifest, format: 'weights-map' }));
  await writeFile(join(sub, 'weights.bin'), new Uint8Array(new Float32Array([1, 2]).buffer));
  return sub;
}

describe('loadWeightMap with hostile weight names', () => {
  it('rejects a weight named __proto__ with CORRUPT_FILE and frees nothing it did not create', async () => {
    const sub = await writeCheckpoint('__proto__');
    await expectNoLeakAsync(async () => {
      const e = await expectRobustErrorAsync(() => loadWeightMap(sub));
      expect(e.code).toBe('CORRUPT_FILE');
      expect(e.message).toContain("'__proto__'");
    });
  });

  it('returns a map without a prototype, so constructor is only found when the file has it', async () => {
    const sub = await writeCheckpoint('constructor');
    await expectNoLeakAsync(async () => {
      const loaded = await loadWeightMap(sub);
      expect(Object.getPrototypeOf(loaded)).toBe(null);
      expect(loaded['constructor']?.dataSync()).toEqual(new Float32Array([1, 2]));
      expect(loaded['toString']).toBeUndefined();
      return loaded;
    });
  });

  // a uint8 dtype (fuzz modeljson #46) used to escape as tfjs's plain Error
  it('refuses dtypes tf.io.decodeWeights cannot read with CORRUPT_FILE', async () => {
    const cases: [unknown[], Uint8Array, RegExp][] = [
      [[{ name: 'a', shape: [2], dtype: 'float32' }, { name: 'b', shape: [4], dtype: 'uint8' }],
        new Uint8Array(12), /weight "b" has dtype "uint8"; tfjs reads float32, int32, bool/],
      [[{ name: 'q', shape: [2], dtype: 'float32', quantization: { dtype: 'int4', scale: 1 } }],
        new Uint8Array(2), /weight "q" has dtype "float32" quantized as "int4"/],
    ];
    for (const [weights, data, message] of cases) {
      const sub = await mkdtemp(join(dir, 'dtype-'));
      const json = { weightsManifest: [{ paths: ['weights.bin'], weights }] };
      await writeFile(join(sub, 'model.json'), JSON.stringify(json));
      await writeFile(join(sub, 'weights.bin'), data);
      await expectNoLeakAsync(async () => {
        const e = await expectRobustErrorAsync(() => loadWeightMap(sub));
        expect(e.code).toBe('CORRUPT_FILE');
        expect(e.message).toMatch(message);
      });
    }
  });
});
