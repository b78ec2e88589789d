import { describe, expect, it } from 'vitest';
import { CliError } from '../errors';
import { DEMO_PROTOCOL, PROTOCOL_DEFAULTS } from '../protocol';
import { renderHtml } from './html';
import { renderTable } from './table';
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

  it('--partial merges a subset of the shards, marks the report partial and shows it in the table and page', () => {
    const some = mergeReports([part(3, 4), part(0, 4), part(1, 4)], [], { partial: true });
    expect(some.partial).toEqual({ shards: [0, 1, 3], count: 4 });
    expect(some.results[0]?.images.map((i) => i.index)).toEqual([0, 1, 3]);
    expect(some.summary[0]).toMatchObject({ images: 3, cleanAccuracy: 1, robustAccuracy: 1 / 3 });
    expect(some.environment).toMatchObject({ seconds: 3, shards: 3 });
    expect(renderTable(some)).toContain('PARTIAL: shards 0–1, 3 of 4 merged (a run in progress)');
    expect(renderHtml(some)).toContain('(partial: 3 of 4 shards)');
    const all = mergeReports([part(1, 2), part(0, 2)], [], { partial: true });
    expect(all.partial).toBeUndefined();
    expect(renderTable(all)).not.toContain('PARTIAL');
    expect(() => mergeReports([part(0, 4), part(0, 4)], [], { partial: true })).toThrow(/shard 0\/4 is repeated/);
    expect(() => mergeReports([part(0, 4), part(1, 2)], [], { partial: true })).toThrow(/does not belong to a run of 4/);
    expect(() => mergeReports([part(0, 4), part(2, 4)])).toThrow(/shard 1\/4 is missing.*--partial/);
  });

  it('checks each shard report before use: missing or null fields give a CliError naming the input and the field', () => {
    const broken = (edit: (r: Record<string, any>) => void): unknown => {
      const r = structuredClone(part(0, 1)) as Record<string, any>;
      edit(r);
      return r;
    };
    const cases: [(r: Record<string, any>) => void, string][] = [
      [(r) => { delete r.results; }, "'results' must be an array, got nothing (missing)"],
      [(r) => { r.results[0].images = null; }, "'results[0].images' must be an array, got null"],
      [(r) => { r.results[0].batches[0].seconds = null; }, "'results[0].batches[0].seconds' must be an object, got null"],
      [(r) => { r.results[0].batches[0].seconds.clean = '1'; }, "'results[0].batches[0].seconds.clean' must be a number, got string"],
      [(r) => { r.results[0].images[0].index = '0'; }, "'results[0].images[0].index' must be an integer, got string"],
      [(r) => { r.results[0].examples = [{ index: 0, adversarial: 7, purifiedClean: '', purifiedAdversarial: '' }]; }, "'results[0].examples[0].adversarial' must be a string, got number"],
      [(r) => { r.results[0].label = null; }, "'results[0].label' must be a string, got null"],
      [(r) => { r.examples = [null]; }, "'examples[0]' must be an object, got null"],
      [(r) => { r.classNames = [1]; }, "'classNames[0]' must be a string, got number"],
      [(r) => { r.shard = { index: 0, count: 1 }; }, "'shard.batches' must be an array, got nothing (missing)"],
      [(r) => { r.shard = 'x'; }, "'shard' must be an object, got string"],
      [(r) => { r.environment = null; }, "'environment' must be an object, got null"],
      [(r) => { r.version = 3; }, "'version' must be 2, got 3"],
      [(r) => { r.protocol = { ...DEMO_PROTOCOL, images: -1 }; }, "'protocol' is not a valid protocol"],
    ];
    for (const [edit, field] of cases) {
      const e = (() => { try { mergeReports([broken(edit)], ['shard-0.json']); } catch (err) { return err; } return undefined; })();
      expect(e).toBeInstanceOf(CliError);
      expect((e as CliError).message).toContain('merge: shard-0.json: ');
      expect((e as CliError).message).toContain(field);
    }
    expect(() => mergeReports([null])).toThrow(/merge: input 1: '\(the report\)' must be a JSON object, got null/);
    expect(() => mergeReports([part(0, 2), 'text'])).toThrow(/merge: input 2: .* got string/);
  });

  // fuzz merge #231: the stack overflowed in stableJson
  it('refuses a shard whose protocol nests 2,600 deep with a CliError', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 2600; i++) deep = { a: deep };
    const defenses = [{ name: 'none', base: { steps: [deep] } }];
    const hostile = { ...part(0, 2), protocol: { ...DEMO_PROTOCOL, defenses } };
    expect(() => mergeReports([hostile, part(1, 2)])).toThrow(CliError);
    expect(() => mergeReports([hostile, part(1, 2)])).toThrow(/nests objects or arrays more/);
  });

  // fuzz merge seed 7 #8495: renderTable read protocol.attack.norm
  it('completes a shard protocol without attack (defaults) for the table and the page', () => {
    const { attack: _attack, ...rest } = DEMO_PROTOCOL;
    const full = mergeReports([{ ...part(0, 1), protocol: rest }]);
    expect(full.protocol).toEqual({ ...DEMO_PROTOCOL, attack: PROTOCOL_DEFAULTS.attack });
    expect(renderHtml(full)).toContain('Threat model');
  });
});
