/**
 * The seed's CIFAR-10 SSNI row (protocols/cifar10-ssni.json) end to end through `robustjs eval` at
 * full size on one image: random-weight checkpoints of the full WRN-28-10 (36,479,194 parameters)
 * and of the full diffusion model (`--unet ddpmpp`: Score-SDE's DDPM++ deep, 106,632,579;
 * `--unet diffusers`: google/ddpm-cifar10-32's UNet2DModel, 35,746,307), written as PyTorch state
 * dicts and read back through the importers; synthetic CIFAR-format images. The defenses are the
 * preset's (DiffPure t* = 100, K = 100, a 20-step surrogate; SSNI-N with T_S = 20); the attack is
 * cut to `--steps` PGD steps with EOT 1 (default 1; the preset's 200 × EOT 20 is 4,000 times the
 * gradient work) and SSNI's statistics come from 8 held-out images (the preset: 5,000 training
 * images), so the seconds are those of one image's defense and of one attack step. The attack's
 * gradient through the 20-step surrogate is checkpointed by default (`--gradient`): full backprop
 * through 20 steps of the full UNet keeps every step's activations and can exceed the wasm
 * backend's 4 GB heap; so can SSNI's EPS calls (`--eps-batch` rows per call, default 10; the
 * preset's 40 aborts wasm with DDPM++: a tidy keeps every intermediate of a forward pass).
 *
 *   nice -n 10 node --conditions=@robustjs/source --import tsx packages/cli/bench/cifar10Full.ts \
 *     [--unet ddpmpp|diffusers] [--steps 1] [--gradient checkpoint|full|bpda] [--eps-batch 10]
 *
 * Prints the report's per-defense seconds and merges them (by unet, backend and steps) into
 * packages/cli/bench/cifar10Full.json, with the run's wall and process CPU seconds.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TorchParam } from '@robustjs/core';
import { writeSafetensorsFile } from '@robustjs/core/node';
import { CIFAR10_RECORD_BYTES } from '@robustjs/datasets';
import { ddpmppTorchParams, diffusersUnetParams } from '@robustjs/diffusion';
import { torchClassifierArchitecture } from '@robustjs/zoo';
import { runCli, type Report } from '../src/index';

console.log = console.error;
console.info = console.error;

const arg = (name: string, fallback: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1] ?? fallback;
};
const unetKind = arg('unet', 'ddpmpp');
if (unetKind !== 'ddpmpp' && unetKind !== 'diffusers')
  throw new Error(`--unet ddpmpp|diffusers, got ${unetKind}`);
const steps = Number(arg('steps', '1'));
const gradient = arg('gradient', 'checkpoint');
const epsBatchSize = Number(arg('eps-batch', '10'));
const here = import.meta.dirname;
const dir = mkdtempSync(join(tmpdir(), 'robustjs-cifar10-full-'));

/** A state dict of uniform random weights, variance 1/fan-in (norm scales 1), in torch layout. */
async function writeRandom(path: string, params: readonly TorchParam[]): Promise<void> {
  let s = 1;
  const rand = (): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s / 2 ** 32;
  };
  const tensors = Object.fromEntries(
    params.map((p) => {
      const size = p.shape.reduce((a, b) => a * b, 1);
      const fanIn = p.shape.length > 1 ? size / (p.shape[0] as number) : 0;
      const data = new Float32Array(size);
      const a = fanIn > 0 ? Math.sqrt(3 / fanIn) : 0;
      const one = fanIn === 0 && /(weight|running_var)$/.test(p.name);
      for (let i = 0; i < size; i++) data[i] = one ? 1 : a * (2 * rand() - 1);
      return [p.name, { dtype: 'float32' as const, shape: [...p.shape], data }];
    }),
  );
  await writeSafetensorsFile(path, tensors);
}

// 16 synthetic images: 1 evaluated, 8 held out for SSNI's statistics
const data = join(dir, 'cifar-10-batches-bin');
mkdirSync(data);
const bytes = new Uint8Array(16 * CIFAR10_RECORD_BYTES).map((_, i) =>
  i % CIFAR10_RECORD_BYTES === 0 ? i % 10 : (i * 2654435761) >>> 24,
);
writeFileSync(join(data, 'test_batch.bin'), bytes);

const wrn = join(dir, 'wrn-28-10.safetensors');
await writeRandom(wrn, torchClassifierArchitecture('wrn-28-10').params);
let unet: { path: string; architecture: string };
if (unetKind === 'ddpmpp') {
  unet = { path: join(dir, 'ddpmpp.safetensors'), architecture: 'ddpmpp' };
  await writeRandom(unet.path, ddpmppTorchParams());
} else {
  const folder = join(dir, 'unet');
  mkdirSync(folder);
  const config = readFileSync(
    join(here, '../../diffusion/test/fixtures/unet2d/ddpm-cifar10-32.config.json'),
    'utf8',
  );
  writeFileSync(join(folder, 'config.json'), config);
  await writeRandom(
    join(folder, 'diffusion_pytorch_model.safetensors'),
    diffusersUnetParams(JSON.parse(config) as Record<string, unknown>),
  );
  unet = { path: folder, architecture: 'diffusers-unet2d' };
}

const preset = JSON.parse(readFileSync(join(here, '../protocols/cifar10-ssni.json'), 'utf8')) as {
  attack: Record<string, unknown>;
  defenses: Record<string, unknown>[];
};
const protocol = {
  ...preset,
  images: 1,
  batchSize: 1,
  chunkSize: 1,
  examples: 1,
  attack: { ...preset.attack, steps, eot: 1 },
  defenses: preset.defenses.map((d) => {
    if (d.name === 'none') return d;
    const base = d.base as Record<string, unknown> | undefined;
    return d.name === 'ssni'
      ? { ...d, calibration: 'held-out', calibrationImages: 8, epsBatchSize,
          base: { ...base, gradient } }
      : { ...d, gradient };
  }),
  models: { classifier: { path: wrn, architecture: 'wrn-28-10' }, unet },
};
const file = join(dir, 'protocol.json');
writeFileSync(file, JSON.stringify(protocol));

const c0 = process.cpuUsage();
const t0 = performance.now();
const code = await runCli(['eval', file, '--data', dir, '--out', join(dir, 'out'), '--json']);
const wall = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
if (code !== 0) throw new Error(`robustjs eval exited with ${code}`);
const report = JSON.parse(readFileSync(join(dir, 'out', 'report.json'), 'utf8')) as Report;
const backend = `${report.environment.backend}${report.environment.native ? '+native' : ''}`;
const row = {
  unet: unet.architecture,
  backend,
  steps,
  eot: 1,
  gradient,
  epsBatchSize,
  images: 1,
  wall_s: Math.round(wall),
  cpu_s: Math.round((c.user + c.system) / 1e6),
  defenses: report.summary.map((r) => ({
    label: r.label,
    classify_s_per_image: Math.round(r.secondsPerImage * 10) / 10,
    attack_s_per_image: Math.round(r.attackSecondsPerImage * 10) / 10,
  })),
  date: new Date().toISOString().slice(0, 10),
};
process.stdout.write(`${JSON.stringify(row)}\n`);
rmSync(dir, { recursive: true, force: true });

const out = join(here, 'cifar10Full.json');
type Row = Record<string, unknown>;
const previous = existsSync(out)
  ? (JSON.parse(readFileSync(out, 'utf8')) as { runs: Row[] }).runs
  : [];
const key = (r: Row): string => `${r.unet}|${r.backend}|${r.steps}|${r.gradient}`;
writeFileSync(
  out,
  `${JSON.stringify(
    {
      about:
        "The seed's CIFAR-10 SSNI row at full size on one image (random weights), " +
        '2 shared vCPUs; ' +
        'see cifar10Full.ts.',
      command:
        'nice -n 10 node --conditions=@robustjs/source --import tsx ' +
        'packages/cli/bench/cifar10Full.ts',
      runs: [...previous.filter((r) => key(r) !== key(row)), row],
    },
    null,
    1,
  )}\n`,
);
