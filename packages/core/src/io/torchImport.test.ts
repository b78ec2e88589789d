import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeak, expectRobustError, expectRobustErrorAsync } from '@robustjs/test-utils';
import { importTorchTensors } from './torchImport';
import type { TorchParam } from './torchImport';
import { readTorchCheckpoint } from './torchCheckpoint';
import { encodeSafetensorsSync } from './safetensors';

const OPTS = { file: 'net.safetensors', architecture: 'tiny-net' } as const;
const EXPECTED: readonly TorchParam[] = [
  { name: 'conv.weight', shape: [3, 2, 1, 2], layout: 'oihw' },
  { name: 'fc.weight', shape: [4, 3], layout: 'linear' },
  { name: 'fc.bias', shape: [4], layout: 'plain' },
];
const range = (shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.Tensor =>
  tf.range(0, shape.reduce((a, b) => a * b, 1), 1, dtype).reshape(shape);

function checkpoint(prefix = ''): tf.NamedTensorMap {
  return {
    [`${prefix}conv.weight`]: range([3, 2, 1, 2]),
    [`${prefix}fc.weight`]: range([4, 3]),
    [`${prefix}fc.bias`]: range([4]),
    [`${prefix}bn.num_batches_tracked`]: tf.scalar(5, 'int32'),
  };
}
const ignoreCount = (k: string): boolean => k.endsWith('num_batches_tracked');

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('importTorchTensors', () => {
  it('transposes OIHW to HWIO, [out,in] to [in,out], copies plain ones, keys by torch name', () => {
    const raw = checkpoint();
    expectNoLeak(() => {
      const w = importTorchTensors(raw, EXPECTED, { ...OPTS, ignore: ignoreCount });
      expect(Object.keys(w)).toEqual(['conv.weight', 'fc.weight', 'fc.bias']);
      expect(w['conv.weight']!.shape).toEqual([1, 2, 2, 3]);
      // torch [o,i,0,k] = o*4 + i*2 + k lands at tfjs [0,k,i,o]
      const conv = w['conv.weight']!.arraySync() as number[][][][];
      expect(conv[0]![1]![0]![2]).toBe(2 * 4 + 0 * 2 + 1);
      expect(conv[0]![0]![1]![1]).toBe(1 * 4 + 1 * 2 + 0);
      expect(w['fc.weight']!.shape).toEqual([3, 4]);
      expect((w['fc.weight']!.arraySync() as number[][])[2]![1]).toBe(1 * 3 + 2);
      expect(Array.from(w['fc.bias']!.dataSync())).toEqual([0, 1, 2, 3]);
      expect(w['fc.bias']).not.toBe(raw['fc.bias']);
      return w;
    });
    expect(Object.values(raw).every((t) => !t.isDisposed)).toBe(true);
    tf.dispose(raw);
  });

  it('strips a prefix', () => {
    const raw = checkpoint('module.');
    expectNoLeak(() =>
      importTorchTensors(raw, EXPECTED, { ...OPTS, prefix: 'module.', ignore: ignoreCount }));
    tf.dispose(raw);
  });

  it('names each missing, mis-shaped, non-float, unexpected tensor, file, architecture', () => {
    const raw = {
      'conv.weight': range([3, 2, 1, 2], 'int32'),
      'fc.weight': range([3, 4]),
      'head.weight': range([2, 2]),
      'bn.num_batches_tracked': tf.scalar(5, 'int32'),
    };
    expectNoLeak(() => {
      const e = expectRobustError(() => importTorchTensors(raw, EXPECTED, OPTS));
      expect(e.code).toBe('NOT_FOUND');
      for (const part of ['net.safetensors', 'tiny-net', "1 missing: 'fc.bias' [4]",
        "'fc.weight' is [3,4], expected [4,3] (already in tfjs layout?",
        "'conv.weight' is int32, expected float32",
        "2 unexpected: 'head.weight' [2,2], 'bn.num_batches_tracked' []"]) {
        expect(e.message).toContain(part);
      }
    });
    expect(Object.values(raw).every((t) => !t.isDisposed)).toBe(true);
    tf.dispose(raw);
  });

  it('reports another architecture as unexpected tensors, capped, with a prefix hint', () => {
    const many: tf.NamedTensorMap = {};
    for (let i = 0; i < 20; i++) many[`layer${i}.weight`] = tf.zeros([1]);
    const e1 = expectRobustError(() => importTorchTensors(many, [], OPTS));
    expect(e1.code).toBe('INVALID_ARGUMENT');
    expect(e1.message).toContain('20 unexpected');
    expect(e1.message).toContain('… and 8 more');
    const raw = checkpoint('model.');
    const e2 = expectRobustError(() =>
      importTorchTensors(raw, EXPECTED, { ...OPTS, ignore: ignoreCount }));
    expect(e2.message).toContain("pass prefix: 'model.'");
    tf.dispose([many, raw]);
  });

  it('reports a shape mismatch alone as SHAPE_MISMATCH', () => {
    const raw = { ...checkpoint(), 'fc.bias': range([5]) };
    const e = expectRobustError(() =>
      importTorchTensors(raw, EXPECTED, { ...OPTS, ignore: ignoreCount }));
    expect(e.code).toBe('SHAPE_MISMATCH');
    expect(e.message).toContain("'fc.bias' is [5], expected [4]");
    tf.dispose(raw);
  });

  it('rejects malformed expected lists and options', () => {
    const raw = checkpoint();
    const bad: [unknown, unknown, string][] = [
      [[{ name: 'a', shape: [2, 2], layout: 'oihw' }], OPTS, "layout 'oihw' (rank 4)"],
      [[EXPECTED[2], EXPECTED[2]], OPTS, "names 'fc.bias' twice"],
      [[{ name: 'a', shape: [2], layout: 'nchw' }], OPTS, "layout: 'oihw'|'linear'|'plain'"],
      [EXPECTED, { file: 'x' }, "Argument 'options'"],
    ];
    for (const [expected, options, part] of bad) {
      const e = expectRobustError(() =>
        importTorchTensors(raw, expected as TorchParam[], options as typeof OPTS));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain(part);
    }
    tf.dispose(raw);
  });
});

describe('readTorchCheckpoint', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'torch-ckpt-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a safetensors state dict as is', async () => {
    const raw = checkpoint();
    const file = join(dir, 'ok.safetensors');
    await writeFile(file, encodeSafetensorsSync(raw));
    const back = await readTorchCheckpoint(file);
    expect(Object.keys(back).sort()).toEqual(Object.keys(raw).sort());
    expect(back['conv.weight']!.shape).toEqual([3, 2, 1, 2]);
    tf.dispose([raw, back]);
  });

  it('refuses a .pth (zip or pickle) naming the file and the conversion command', async () => {
    const zip = [0x50, 0x4b, 0x03, 0x04, 0];
    const heads = [['zip.pth', zip], ['pickle.pt', [0x80, 0x02, 0x7d]]] as const;
    for (const [name, head] of heads) {
      const file = join(dir, name);
      await writeFile(file, new Uint8Array([...head, 0, 0, 0, 0, 0, 0]));
      const e = await expectRobustErrorAsync(() => readTorchCheckpoint(file));
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect(e.message).toContain(file);
      expect(e.message).toContain('.pth');
      expect(e.message).toContain(
        'python3 packages/zoo/scripts/pth_to_safetensors.py in.pth out.safetensors');
    }
  });

  it('names the file and the tensor of a truncated checkpoint', async () => {
    const raw = checkpoint();
    const bytes = encodeSafetensorsSync(raw);
    const file = join(dir, 'cut.safetensors');
    await writeFile(file, bytes.subarray(0, bytes.length - 10));
    const before = tf.memory().numTensors;
    const e = await expectRobustErrorAsync(() => readTorchCheckpoint(file));
    expect(tf.memory().numTensors).toBe(before);
    expect(e.code).toBe('CORRUPT_FILE');
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/tensor '[a-z.]+'/);
    tf.dispose(raw);
  });

  it('names a missing file', async () => {
    const file = join(dir, 'none.safetensors');
    const e = await expectRobustErrorAsync(() => readTorchCheckpoint(file));
    expect(e.code).toBe('NOT_FOUND');
    expect(e.message).toContain('none.safetensors');
  });
});
