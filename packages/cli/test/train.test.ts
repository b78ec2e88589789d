import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { loadUnetFile, runCli } from '../src/index';
import { trainHint } from '../src/commands/train';
import { captureIo, tempDir } from './helpers';

// As installed from npm: no robustjs checkout around the CLI, so no training scripts.
vi.mock('../src/commands/train', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../src/commands/train')>()),
  trainScriptsRoot: () => undefined,
}));

describe('outside a robustjs checkout (the npm packages)', () => {
  it('does not offer train: not in --help, not in the completion script', async () => {
    const help = captureIo();
    expect(await runCli(['--help'], help)).toBe(0);
    expect(help.out()).not.toMatch(/^\s+train\b/m);
    expect(help.out()).toMatch(/^\s+completion <shell>/m);
    const completion = captureIo();
    expect(await runCli(['completion', 'bash'], completion)).toBe(0);
    expect(completion.out()).not.toMatch(/\btrain\b/);
    expect(completion.out()).toMatch(/\battack\b/);
  });

  it('explains itself when called anyway: exit 2, how to train in a checkout', async () => {
    const io = captureIo();
    expect(await runCli(['train', 'diffusion'], io)).toBe(2);
    expect(io.err().trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(
          "^robustjs: error: train: 'robustjs train' runs the training scripts of a robustjs " +
            'checkout; the npm packages do not ship them .*git clone ' +
            'https://github\\.com/robustjs/robustjs && cd robustjs && npm ci && ' +
            'npx robustjs train diffusion\\.$',
        ),
      ),
    ]);
  });

  it('hints at the zoo for a missing model instead of train', async () => {
    expect(trainHint('diffusion', '--unet <file>', undefined)).toBe(
      'Reinstall @robustjs/zoo (it ships the weights: npm install @robustjs/zoo), ' +
        'or pass --unet <file>.',
    );
    expect(trainHint('diffusion', '--unet <file>', '/repo/packages')).toBe(
      "Train one with 'npx robustjs train diffusion', or pass --unet <file>.",
    );
    const missing = join(tempDir(), 'unet.safetensors');
    await expect(loadUnetFile(missing)).rejects.toThrow(
      /not found at .*unet\.safetensors'\. Reinstall @robustjs\/zoo/,
    );
  });
});
