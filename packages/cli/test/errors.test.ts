import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index';
import { captureIo, protocolFile, tempDir, tinyUnetFile } from './helpers';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'src', 'bin.ts');
const NODE_ARGS = ['--conditions=@robustjs/source', '--import', 'tsx', BIN];

/** Runs the CLI in this process; expects exit status 2 and exactly one error line. */
async function expectUsageError(args: string[], pattern: RegExp): Promise<void> {
  const io = captureIo();
  const code = await runCli(args, io);
  const lines = io.err().trim().split('\n').filter((l) => !l.startsWith('backend:'));
  expect({ code, lines }).toMatchObject({ code: 2, lines: [expect.stringMatching(pattern)] });
}

describe('bad input gives one error line and exit status 2', () => {
  let dir = '';
  let unet = '';
  const good = { images: 4, batchSize: 4, attack: { steps: 1, eot: 1 }, defenses: [{ name: 'diffpure', t: 10, steps: 1, surrogateSteps: 1 }] };
  beforeAll(async () => {
    dir = tempDir();
    unet = await tinyUnetFile(dir);
  });

  it('an unknown command or flag', async () => {
    await expectUsageError(['fly'], /unknown command 'fly'/);
    await expectUsageError(['demo', '--imgs', '3'], /unknown option '--imgs'/);
    await expectUsageError(['demo', '--images', 'ten'], /'--images' must be an integer/);
    await expectUsageError(['demo', '--backend', 'gpu'], /--backend/);
    await expectUsageError(['eval', protocolFile(dir, good), '--shard', '2/2'], /'--shard' must be i\/n/);
    await expectUsageError(['train', 'gan'], /unknown model 'gan'/);
  });

  it('a protocol file with unknown keys, bad values, or that is missing or not JSON', async () => {
    await expectUsageError(['eval', protocolFile(dir, { ...good, imagez: 3 }, 'a.json')], /unknown key 'imagez' in the protocol/);
    await expectUsageError(['eval', protocolFile(dir, { ...good, attack: { epsilon: 0.1 } }, 'b.json')], /unknown key 'epsilon' in attack/);
    await expectUsageError(['eval', protocolFile(dir, { ...good, defenses: [{ name: 'diffpure', tStar: 100 }] }, 'c.json'), '--unet', unet],
      /unknown key 'tStar' in defenses\[0\]/);
    await expectUsageError(['eval', protocolFile(dir, { ...good, defenses: [{ name: 'magic' }] }, 'd.json'), '--unet', unet], /unknown defense 'magic'/);
    await expectUsageError(['eval', protocolFile(dir, { ...good, images: -1 }, 'e.json')], /'images' must be an integer ≥ 1/);
    await expectUsageError(['eval', protocolFile(dir, { ...good, defenses: [{ name: 'constructor' }] }, 'f.json')], /unknown defense 'constructor'/);
    await expectUsageError(['eval', protocolFile(dir, { ...good, attacks: [{ name: 'magic' }] }, 'g.json')], /unknown attack 'magic' at attacks\[0\]/);
    await expectUsageError(['eval', protocolFile(dir, { ...good, attacks: [{ name: 'pgd-eot', steps: 'ten' }] }, 'h.json')],
      /'attacks\[0\]' \(pgd-eot\): .*'steps'/);
    await expectUsageError(['eval', protocolFile(dir, { ...good, defenses: [{ name: 'diffpure', t: 'x' }] }, 'i.json'), '--unet', unet],
      /'defenses\[0\]\.t' must be an integer/);
    // DAD's attack needs DAD's statistic: against DiffPure it is refused before any attack step
    await expectUsageError(['eval', protocolFile(dir, { ...good, attacks: [{ name: 'dad-adaptive' }] }, 'j.json'), '--unet', unet],
      /dad-adaptive|DAD/);
    // DAD (the zoo's, θ calibrated on batches of 100): mixed batches need p in (0, 1]; the manifest's θ only at its size
    const dad = { images: 100, batchSize: 100, attack: { steps: 1, eot: 1 } };
    await expectUsageError(['eval', protocolFile(dir, { ...dad, defenses: [{ name: 'dad',
      attacks: [{ name: 'dad-adaptive', fraction: 1.5 }] }] }, 'k.json')], /'defenses\[0\]\.attacks\[0\]'.*'fraction'.*≤ 1/);
    await expectUsageError(['eval', protocolFile(dir, { ...dad, defenses: [{ name: 'dad',
      attacks: [{ name: 'pgd-eot', fraction: 0 }] }] }, 'l.json')], /'fraction'/);
    await expectUsageError(['eval', protocolFile(dir, { ...dad, batchSize: 50, defenses: [{ name: 'dad', threshold: 'manifest' }] },
      'm.json'), '--backend', 'wasm'], /threshold' is 'manifest', whose θ was calibrated on batches of 100, .* batches of 50/);
    await expectUsageError(['eval', join(dir, 'nope.json')], /cannot be read: ENOENT/);
    writeFileSync(join(dir, 'bad.json'), '{ "images": ');
    await expectUsageError(['eval', join(dir, 'bad.json')], /is not valid JSON/);
  });

  it('a missing or corrupt weights file', async () => {
    const file = protocolFile(dir, good, 'ok.json');
    await expectUsageError(['eval', file, '--backend', 'wasm', '--unet', join(dir, 'missing.safetensors'), '--out', join(dir, 'o1')], /UNet not found at .*missing\.safetensors/);
    writeFileSync(join(dir, 'corrupt.safetensors'), new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]));
    await expectUsageError(['eval', file, '--backend', 'wasm', '--unet', join(dir, 'corrupt.safetensors'), '--out', join(dir, 'o2')], /UNet at '.*corrupt\.safetensors' is unusable \(CORRUPT_FILE\)/);
    expect(existsSync(join(dir, 'o1'))).toBe(false);
    await expectUsageError(['merge', file], /'format' must be 'robustjs-report'/);
  });

  it('the installed binary exits with status 2 on an unknown command', () => {
    const r = spawnSync(process.execPath, [...NODE_ARGS, 'fly'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^robustjs: unknown command 'fly'/)]);
  }, 60_000);

  it('an interrupted run leaves no report behind', async () => {
    const out = join(dir, 'interrupted');
    const file = protocolFile(dir, { ...good, images: 8, attack: { steps: 50, eot: 4 } }, 'slow.json');
    const child = spawn(process.execPath, [...NODE_ARGS, 'eval', file, '--unet', unet, '--backend', 'wasm', '--out', out], { cwd: ROOT });
    await new Promise<void>((res) => child.stderr.on('data', (d: Buffer) => { if (d.toString().includes('DiffPure [')) res(); }));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('exit', (c, s) => res(c ?? (s === 'SIGINT' ? 130 : null))));
    expect(code).not.toBe(0);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  }, 60_000);

  it('an --out that cannot be written fails before any evaluation, naming the path (#24)', async () => {
    const file = protocolFile(dir, good, 'out.json');
    // --out is an existing file: the folder cannot be created
    const notDir = join(dir, 'a-file');
    writeFileSync(notDir, 'x');
    // --out holds a folder where report.json goes
    const blocked = join(dir, 'blocked');
    mkdirSync(join(blocked, 'report.json'), { recursive: true });
    const cases: [string[], RegExp][] = [
      [['eval', file, '--unet', unet, '--backend', 'wasm', '--out', notDir], /'--out'.*a-file.*cannot be created: (EEXIST|ENOTDIR)/],
      [['eval', file, '--unet', unet, '--backend', 'wasm', '--out', blocked], /'--out'.*blocked.report\.json' is an existing folder/],
      [['demo', '--quick', '--backend', 'wasm', '--out', join(notDir, 'sub')], /'--out'.*a-file.sub.*cannot be created: (EEXIST|ENOTDIR)/],
      [['attack', '--defense', 'none', '--backend', 'wasm', '--out', blocked], /'--out'.*is an existing folder/],
      [['merge', file, '--out', notDir], /'--out'.*a-file.*cannot be created/],
    ];
    for (const [args, pattern] of cases) {
      const io = captureIo();
      const code = await runCli(args, io);
      // one error line and no "backend:" line: nothing was started, let alone evaluated
      expect({ args, code, err: io.err().trim().split('\n') }).toMatchObject({ code: 2, err: [expect.stringMatching(pattern)] });
    }
    // a writable --out that did not exist is left as it was (the probe's folder is removed again)
    const fresh = join(dir, 'fresh', 'deeper');
    await expectUsageError(['merge', file, '--out', fresh], /'format' must be 'robustjs-report'/);
    expect(existsSync(join(dir, 'fresh'))).toBe(false);
  });
});
