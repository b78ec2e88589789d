import { describe, expect, it } from 'vitest';
import { DEMO_PROTOCOL } from '../protocol';
import { mergeReports } from './merge';
import type { Report } from './types';

const part = (index: number, count: number, protocol = DEMO_PROTOCOL): Report => ({
  format: 'robustjs-report', version: 2, shard: { index, count, batches: [index, index + 1] }, protocol,
  environment: { backend: 'wasm', native: false, node: 'v20', seconds: 1, shards: 1 },
  examples: [], classNames: [], skipped: [], summary: [],
  results: [{ position: 0, label: 'Undefended', base: null, examples: [],
    defense: { label: 'Undefended', kind: 'undefended', modifies: null, settings: {}, surface: 'the classifier' },
    attacks: [{ name: 'pgd-eot', settings: {}, description: 'PGD' }],
    images: [{ index, row: index, label: 1, clean: 1, adversarial: index === 0 ? 1 : 2, brokenBy: null }],
    batches: [{ batch: index, size: 1, seconds: { clean: 1, attack: 2, adversarial: 1 }, info: { clean: {}, adversarial: [] } }] }],
});

describe('mergeReports', () => {
  it('orders records by image and recomputes the summary', () => {
    const full = mergeReports([part(1, 2), part(0, 2)]);
    expect(full.shard).toBeNull();
    expect(full.results[0]?.images.map((i) => i.index)).toEqual([0, 1]);
    expect(full.summary[0]).toMatchObject({ images: 2, cleanAccuracy: 1, robustAccuracy: 0.5 });
    expect(full.environment).toMatchObject({ seconds: 2, shards: 2 });
  });

  it('refuses a missing or repeated shard, another protocol, or a complete report', () => {
    expect(() => mergeReports([part(0, 2)])).toThrow(/got 1 of 2 shards/);
    expect(() => mergeReports([part(0, 2), part(0, 2)])).toThrow(/repeated/);
    expect(() => mergeReports([part(0, 2), part(1, 2, { ...DEMO_PROTOCOL, seed: 9 })])).toThrow(/another protocol/);
    expect(() => mergeReports([{ ...part(0, 1), shard: null }])).toThrow(/complete report/);
  });
});
