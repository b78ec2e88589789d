// CI: every fuzz target for a bounded count (300 inputs each, 100 image-folder trees) in two worker
// processes; any outcome that is not a RobustError (or CliError) or a consistent accept fails.
import { describe, expect, it } from 'vitest';
import { runFuzz } from './run';
import { TARGETS } from './targets';

describe('fuzz (bounded, CI)', () => {
  it('gives only RobustErrors or consistent accepts, under 5 s and the RSS bound', async () => {
    const summary = await runFuzz({
      count: 300,
      counts: { imagefolder: 100 },
      seed: 1,
      workers: 2,
    });
    expect(summary.failures).toEqual([]);
    for (const name of Object.keys(TARGETS)) {
      const s = summary.parsers[name];
      expect(s?.inputs).toBe(name === 'imagefolder' ? 100 : 300);
      expect(s?.maxRssOverBound).toBeLessThan(1);
      expect(s?.maxMs).toBeLessThan(5000);
    }
  }, 300_000);
});
