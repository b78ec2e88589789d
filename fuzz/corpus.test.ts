// The reproducer corpus (fuzz/corpus, written by fuzz/corpus/make.ts): each hostile file of
// issue 24 and each input the fuzz harness found must give its expected RobustError (or CliError,
// or a clean accept), within the time and RSS limits, leaving no tensor alive.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { CorpusEntry } from './corpus/make';
import { execute } from './lib/execute';
import { TARGETS } from './targets';

const dir = fileURLToPath(new URL('./corpus/', import.meta.url));
const entries = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as CorpusEntry[];
const ctx = { tmp: mkdtempSync(join(tmpdir(), 'robustjs-corpus-')) };
afterAll(() => rmSync(ctx.tmp, { recursive: true, force: true }));

describe('fuzz corpus (regressions of issue 24 and of fuzz findings)', () => {
  it.each(entries.map((e) => [`${e.parser}/${e.name}: ${e.reproduces}`, e] as const))(
    '%s',
    async (_label, entry) => {
      const target = TARGETS[entry.parser];
      if (target === undefined) throw new Error(`unknown parser ${entry.parser}`);
      const folder = join(dir, entry.parser, entry.name);
      const parts = readdirSync(folder)
        .sort()
        .map((f) => new Uint8Array(readFileSync(join(folder, f))));
      const outcome = await execute(target, parts, 0, ctx);
      expect(
        outcome.kind === 'failure' ? `${outcome.code} ${String(outcome.error)}` : outcome.kind,
      ).not.toMatch(/failure|Error:/);
      if (Array.isArray(entry.expect)) expect(outcome.tags).toEqual(entry.expect);
      else expect(outcome.code).toBe(entry.expect);
      expect(outcome.ms).toBeLessThan(5000);
    },
  );
});
