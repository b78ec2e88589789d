// `robustjs eval` on CIFAR-10 end to end, CI-sized: synthetic CIFAR-format images, the random-weight
// WRN-10-1 of @robustjs/zoo's fixtures as the classifier and the small diffusers UNet of
// @robustjs/diffusion's fixtures, DiffPure + SSNI-N as in the seed's CIFAR-10 row (scaled down).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { CIFAR10_RECORD_BYTES } from '@robustjs/datasets';
import { parseProtocol, runCli, type Report } from '../src/index';
import { captureIo, protocolFile, tempDir } from './helpers';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WRN = join(ROOT, 'zoo/test/fixtures/torch/wrn-10-1.safetensors');
const UNET = join(ROOT, 'diffusion/test/fixtures/unet2d/ddpm-like');
const PRESET = join(ROOT, 'cli/protocols/cifar10-ssni.json');

/** `count` seeded random CIFAR-10 records (label byte + R, G, B planes) as `test_batch.bin`. */
function syntheticCifar(dir: string, count: number): string {
  const folder = join(dir, 'cifar-10-batches-bin');
  mkdirSync(folder, { recursive: true });
  const bytes = new Uint8Array(count * CIFAR10_RECORD_BYTES);
  let s = 12345;
  for (let i = 0; i < bytes.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    bytes[i] = i % CIFAR10_RECORD_BYTES === 0 ? (s >>> 16) % 10 : (s >>> 16) & 0xff;
  }
  writeFileSync(join(folder, 'test_batch.bin'), bytes);
  return dir;
}

const DIFFPURE = { name: 'diffpure', t: 10, steps: 2, surrogateSteps: 1 };
const SMOKE = {
  dataset: 'cifar10', images: 4, batchSize: 4, chunkSize: 4, examples: 2, seed: 3,
  attack: { eps: 8 / 255, steps: 2, stepSize: 0.007, eot: 1, randomStart: false },
  attacks: [{ name: 'pgd-eot' }],
  defenses: [
    { name: 'none' },
    DIFFPURE,
    { name: 'ssni', rule: 'ssni-n', epsSteps: 2, epsBatchSize: 4, calibrationImages: 8, base: DIFFPURE },
  ],
  models: {
    classifier: { path: WRN, architecture: 'wrn-10-1' },
    unet: { path: UNET, architecture: 'diffusers-unet2d' },
  },
};

describe('robustjs eval on CIFAR-10 with imported PyTorch checkpoints', () => {
  let dir = '';
  let data = '';
  beforeAll(() => {
    dir = tempDir();
    data = syntheticCifar(dir, 24);
  });

  const run = async (protocol: unknown, extra: string[] = []): Promise<{ code: number; out: string; err: string }> => {
    const io = captureIo();
    const file = protocolFile(dir, protocol, `p${Math.random().toString(36).slice(2)}.json`);
    const code = await runCli(['eval', file, '--data', data, '--backend', 'wasm', '--quiet',
      '--out', join(dir, 'out'), '--json', ...extra], io);
    return { code, out: io.out(), err: io.err() };
  };

  it('runs DiffPure and DiffPure + SSNI-N end to end and reports CIFAR-10', async () => {
    const { code, err } = await run(SMOKE);
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as Report;
    expect(report.protocol.dataset).toBe('cifar10');
    expect(report.classNames).toHaveLength(10);
    expect(report.results).toHaveLength(3);
    for (const row of report.summary) {
      expect(row.images).toBe(4);
      expect(row.cleanAccuracy).toBeGreaterThanOrEqual(0);
      expect(row.cleanAccuracy).toBeLessThanOrEqual(1);
      expect(row.robustAccuracy).toBeGreaterThanOrEqual(0);
      expect(row.robustAccuracy).toBeLessThanOrEqual(1);
    }
    const ssni = report.results[2]?.images ?? [];
    expect(ssni.every((i) => typeof i.info?.clean.timesteps === 'number')).toBe(true);
    expect(readFileSync(join(dir, 'out', 'report.html'), 'utf8')).toContain('CIFAR-10 image(s)');
  });

  it('the preset of the seed\'s CIFAR-10 SSNI row parses: t* = 100, K = 100 / 20, PGD-200 EOT-20', () => {
    const p = parseProtocol(JSON.parse(readFileSync(PRESET, 'utf8')), PRESET);
    expect(p.dataset).toBe('cifar10');
    expect(p.attack).toMatchObject({ norm: 'linf', steps: 200, eot: 20, stepSize: 0.007, randomStart: false });
    expect(p.defenses[1]).toMatchObject({ name: 'diffpure', t: 100, steps: 100, surrogateSteps: 20 });
    expect(p.defenses[2]).toMatchObject({ name: 'ssni', rule: 'ssni-n', base: { t: 100, steps: 100 } });
    expect(p.models.classifier?.architecture).toBe('wrn-28-10');
    expect(p.models.unet).toMatchObject({ architecture: 'ddpmpp' });
  });

  it('bad checkpoints are usage errors naming the file and the tensor', async () => {
    const pth = join(dir, 'model.pth');
    writeFileSync(pth, new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]));
    const cases: [Record<string, unknown>, string[]][] = [
      [{ classifier: { path: pth, architecture: 'wrn-10-1' } }, [pth, 'pth_to_safetensors.py']],
      [{ classifier: { path: WRN, architecture: 'wrn-16-1' } }, [WRN, "'block1.layer.1.bn1.weight'"]],
      [{ classifier: { path: WRN, architecture: 'resnet' } }, [WRN, "'layer1.0.conv1.weight'"]],
      [{ unet: { path: WRN, architecture: 'ddpmpp' } }, [WRN, 'unexpected', "'block1.layer.0.conv1.weight'"]],
    ];
    for (const [models, parts] of cases) {
      const { code, err } = await run({ ...SMOKE, models: { ...SMOKE.models, ...models } });
      expect(code).toBe(2);
      for (const part of parts) expect(err).toContain(part);
    }
  });

  it('a CIFAR-10 protocol without a classifier, or with an unknown architecture, fails before any work', async () => {
    const none = await run({ ...SMOKE, models: { unet: SMOKE.models.unet } });
    expect(none.code).toBe(2);
    expect(none.err).toContain("dataset 'cifar10' needs 'models.classifier'");
    const bad = await run({ ...SMOKE, models: { ...SMOKE.models, classifier: { path: WRN, architecture: 'vgg' } } });
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("'models.classifier' is not a known architecture");
    const unet = await run({ ...SMOKE, models: { ...SMOKE.models, unet: { path: UNET, architecture: 'sd' } } });
    expect(unet.err).toContain("'models.unet.architecture' must be one of robustjs, diffusers-unet2d, ddpmpp");
  });
});
