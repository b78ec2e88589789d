import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../src/index';
import { captureIo, protocolFile, tempDir } from './helpers';

/**
 * Runs the CLI; expects exit status 2, one error line matching `pattern`, and nothing done before
 * it: no backend started (no `backend:` line) and nothing on stdout.
 */
async function refused(args: string[], pattern: RegExp): Promise<void> {
  const io = captureIo();
  const code = await runCli(args, io);
  expect({ code, lines: io.err().trim().split('\n') }).toMatchObject({
    code: 2,
    lines: [expect.stringMatching(pattern)],
  });
  expect(io.out()).toBe('');
}

describe('numeric flags are checked against their ranges before any work', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir();
  });

  it('--eps: (0, 1] for linf, (0, 28] for l2 on Fashion-MNIST', async () => {
    const out = ['--out', join(dir, 'never')];
    await refused(
      ['attack', '--eps', '2', ...out],
      /^robustjs: error: Option '--eps' must be in \(0, 1\] for l_inf .*got '2'.*--norm l2/,
    );
    await refused(['attack', '--eps', '0', ...out], /'--eps' must be in \(0, 1\]/);
    await refused(['attack', '--eps', 'lots', ...out], /'--eps' .* got 'lots'/);
    await refused(
      ['attack', '--norm', 'l2', '--eps', '30', ...out],
      /'--eps' must be in \(0, 28\] for l2 on fashion-mnist.*got '30'/,
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('--steps, --eot, --restarts, --images, --seed: whole numbers in range', async () => {
    const out = ['--out', join(dir, 'never')];
    await refused(
      ['attack', '--steps', '0', ...out],
      /Option '--steps' must be an integer ≥ 1, got '0'\. Pass e\.g\. --steps 1\./,
    );
    await refused(['attack', '--eot', '0', ...out], /'--eot' must be an integer ≥ 1, got '0'/);
    await refused(
      ['attack', '--restarts', '1.5', ...out],
      /'--restarts' must be an integer ≥ 1, got '1\.5'/,
    );
    await refused(
      ['demo', '--images', '7001', ...out],
      /'--images' must be an integer in \[1, 7000\] \(offset 0 \+ images ≤ 7000.*got '7001'/,
    );
    await refused(
      ['demo', '--images', '0', ...out],
      /'--images' must be an integer in \[1, 7000\], got '0'/,
    );
    await refused(
      ['demo', '--seed', '99999999999999999999', ...out],
      /'--seed' must be an integer ≥ 0/,
    );
    const file = protocolFile(
      dir,
      { offset: 6990, images: 4, defenses: [{ name: 'none' }] },
      'late.json',
    );
    await refused(
      ['eval', file, '--images', '20', ...out],
      /'--images' must be an integer in \[1, 10\] \(offset 6990/,
    );
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });

  it('queue flags: --shards, --attempts, --concurrency, --lock-duration (before Redis)', async () => {
    const file = protocolFile(dir, { defenses: [{ name: 'none' }] }, 'q.json');
    const redis = ['--redis', 'redis://127.0.0.1:1'];
    await refused(
      ['submit', file, '--shards', '0', ...redis],
      /'--shards' must be an integer ≥ 1, got '0'/,
    );
    await refused(
      ['submit', file, '--shards', '2', '--attempts', 'x', ...redis],
      /'--attempts' must be an integer ≥ 1/,
    );
    await refused(
      ['worker', '--concurrency', '0', ...redis],
      /'--concurrency' must be an integer ≥ 1/,
    );
    await refused(
      ['worker', '--lock-duration', '10', ...redis],
      /'--lock-duration' must be an integer ≥ 1000, got '10'/,
    );
  });

  it('a protocol file: attack.eps outside the threat model', async () => {
    const file = protocolFile(
      dir,
      { attack: { eps: 8 }, defenses: [{ name: 'none' }] },
      'eps.json',
    );
    await refused(
      ['eval', file, '--out', join(dir, 'never')],
      /'attack\.eps' must be in \(0, 1\] for l_inf .*got 8\./,
    );
  });
});
