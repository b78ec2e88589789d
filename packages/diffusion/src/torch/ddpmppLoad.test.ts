import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { decodeSafetensors, encodeSafetensorsSync } from '@robustjs/core';
import { expectClose, expectRobustErrorAsync, useWasm } from '@robustjs/test-utils';
import { afterAll, describe, expect, it } from 'vitest';
import type { DdpmppConfig } from './ddpmppConfig';
import { loadDdpmpp } from './ddpmppLoad';

useWasm();

const FIXTURE = join(__dirname, '../../test/fixtures/ddpmpp/ddpmpp-small.safetensors');
const SMALL: Partial<DdpmppConfig> = {
  imageSize: 16,
  nf: 8,
  chMult: [1, 2],
  numResBlocks: 1,
  attnResolutions: [8],
};
const dir = mkdtempSync(join(tmpdir(), 'ddpmpp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The fixture's state dict, edited, written to a temporary file. */
function variant(name: string, edit: (raw: tf.NamedTensorMap) => tf.NamedTensorMap): string {
  const raw = decodeSafetensors(readFileSync(FIXTURE), FIXTURE);
  const path = join(dir, name);
  writeFileSync(path, encodeSafetensorsSync(edit(raw)));
  tf.dispose(Object.values(raw));
  return path;
}

describe('loadDdpmpp', () => {
  it("loads a Score-SDE state dict ('module.', sigmas) or a converted EMA one", async () => {
    const io = decodeSafetensors(
      readFileSync(join(FIXTURE, '../ddpmpp-small-io.safetensors')),
      'io',
    );
    const plain = variant('plain.safetensors', (raw) =>
      Object.fromEntries(
        Object.entries(raw)
          .filter(([k]) => k !== 'module.sigmas')
          .map(([k, v]) => [k.slice('module.'.length), v]),
      ),
    );
    for (const path of [FIXTURE, `file://${plain}`]) {
      const before = tf.memory().numTensors;
      const m = await loadDdpmpp(path, SMALL);
      expect(m.paramCount).toBe(48275);
      const y = m.network(io.x as tf.Tensor4D, io.labels as tf.Tensor1D);
      expectClose(y.dataSync(), io.out!.dataSync(), 1e-4);
      y.dispose();
      m.dispose();
      expect(tf.memory().numTensors).toBe(before);
    }
    tf.dispose(Object.values(io));
  });

  it('bad files name the file and the tensor, and leave nothing allocated', async () => {
    const cases: [string, string, string[]][] = [];
    // another architecture: the diffusers UNet2DModel fixture
    const other = join(FIXTURE, '../../unet2d/ddpm-like/diffusion_pytorch_model.safetensors');
    cases.push([other, 'NOT_FOUND', ['all_modules.0.weight', 'conv_in.weight']]);
    // the full config's checkpoint expected, a small one given
    cases.push([FIXTURE, 'NOT_FOUND', ['all_modules.', FIXTURE]]);
    const bytes = readFileSync(FIXTURE);
    const cut = join(dir, 'cut.safetensors');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 1000));
    cases.push([cut, 'CORRUPT_FILE', ['module.all_modules.']]);
    const zeros = tf.zeros([8, 8, 3, 3], 'int32');
    const int = variant('int.safetensors', (raw) => ({
      ...raw,
      'module.all_modules.3.Conv_0.weight': zeros,
    }));
    zeros.dispose();
    cases.push([int, 'SHAPE_MISMATCH', ['module.all_modules.3.Conv_0.weight', 'int32']]);
    const pth = join(dir, 'checkpoint_8.pth');
    writeFileSync(pth, Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]));
    cases.push([pth, 'INVALID_ARGUMENT', ['.pth', 'Convert']]);
    const before = tf.memory().numTensors;
    for (const [i, [path, code, words]] of cases.entries()) {
      const e = await expectRobustErrorAsync(() => loadDdpmpp(path, i === 1 ? undefined : SMALL));
      expect(e.code, e.message).toBe(code);
      for (const w of [path, ...words]) expect(e.message, e.message).toContain(w);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
