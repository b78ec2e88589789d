import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));

it('examples/detector-in-pipeline.ts runs end to end with the documented command', async () => {
  const { stdout } = await promisify(execFile)(process.execPath,
    ['--conditions=@robustjs/source', '--import', 'tsx', 'packages/mmd/examples/detector-in-pipeline.ts'],
    { cwd: root, timeout: 110_000, maxBuffer: 1 << 20 });
  const summary = JSON.parse(stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
  expect(summary['adversarialBatchesFlagged']).toBe('40/40');
  expect(summary['cleanAccuracy']).toBeGreaterThan(0.85);
});
