import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runCli, type Report } from '../src/index';
import { captureIo, tempDir } from './helpers';

it('demo skips the defenses whose model files are absent, says so, and still writes both reports', async () => {
  const dir = tempDir();
  const io = captureIo();
  const code = await runCli(['demo', '--quick', '--images', '4', '--backend', 'wasm', '--unet', join(dir, 'absent.safetensors'), '--out', dir], io);
  expect(io.err()).toMatch(/skipping defenses\[1\] \(diffpure\): The diffusion UNet not found/);
  expect(code).toBe(0);
  const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as Report;
  expect(report.summary.map((r) => r.label)).toEqual(['Undefended', 'DAD']);
  expect(report.skipped.map((s) => s.name)).toEqual(['diffpure', 'ssni', 'ssni', 'gdmp', 'gns']);
  expect(io.out()).toMatch(/^method +clean %/);
  expect(io.out()).toContain('- skipped defenses[1] (diffpure)');
  expect(readFileSync(join(dir, 'report.html'), 'utf8')).toContain('<svg class="plot"');
}, 120_000);
