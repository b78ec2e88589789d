// Fuzz targets of the CLI's files: eval protocol files (read as `robustjs eval` reads them) and
// shard reports given to `robustjs merge` (checked, merged, rendered to HTML).
import { readFileSync } from 'node:fs';
import {
  CliError,
  DEMO_FULL_PROTOCOL,
  DEMO_PROTOCOL,
  encodePng,
  mergeReports,
  parseProtocol,
  pngDataUri,
  renderHtml,
} from '@robustjs/cli';
import { digest, text, utf8, type Target } from '../lib/target';

/** A JSON file as `robustjs` reads it: invalid JSON is a CliError, as in the CLI's readJson. */
function readJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(text(bytes)) as unknown;
  } catch (e) {
    throw new CliError(`${what} 'fuzz.json' is not valid JSON: ${(e as Error).message}.`);
  }
}

const cliExpected = (e: unknown): string | undefined =>
  e instanceof CliError ? 'CliError' : undefined;

const committed = [
  'packages/dad/results/dad-modes-500.protocol.json',
  'packages/ssni/results/ssni-grid.protocol.json',
  'packages/dad/results/dad-detection.protocol.json',
];

export const protocol: Target = {
  name: 'protocol',
  jsonParts: [0],
  expected: cliExpected,
  async seeds() {
    const root = new URL('../../', import.meta.url);
    return [
      [utf8(JSON.stringify(DEMO_PROTOCOL))],
      [utf8(JSON.stringify(DEMO_FULL_PROTOCOL))],
      ...committed.map((p) => [new Uint8Array(readFileSync(new URL(p, root)))]),
    ];
  },
  async run([bytes]) {
    return digest(
      parseProtocol(readJson(bytes as Uint8Array, 'Protocol file'), 'fuzz.protocol.json'),
    );
  },
};

/** Shard `index` of `count` of a small run, with example pictures. */
function shard(index: number, count: number): unknown {
  const pic = pngDataUri(encodePng(new Uint8Array(4 * 4).fill(index * 40), 4, 4, 1));
  return {
    format: 'robustjs-report',
    version: 2,
    shard: { index, count, batches: [index, index + 1] },
    protocol: DEMO_PROTOCOL,
    environment: { backend: 'wasm', native: false, node: 'v20', seconds: 1, shards: 1 },
    examples: [{ index, label: 1, clean: pic }],
    classNames: ['a', 'b'],
    skipped: [],
    summary: [],
    results: [
      {
        position: 0,
        label: 'Undefended',
        base: null,
        examples: [{ index, adversarial: pic, purifiedClean: '', purifiedAdversarial: '' }],
        defense: {
          label: 'Undefended',
          kind: 'undefended',
          modifies: null,
          settings: {},
          surface: 'the classifier',
        },
        attacks: [{ name: 'pgd-eot', settings: {}, description: 'PGD' }],
        images: [
          {
            index,
            row: index,
            label: 1,
            clean: 1,
            adversarial: index === 0 ? 1 : 2,
            brokenBy: null,
          },
        ],
        batches: [
          {
            batch: index,
            size: 1,
            seconds: { clean: 1, attack: 2, adversarial: 1 },
            info: { clean: {}, adversarial: [] },
          },
        ],
      },
    ],
  };
}

export const merge: Target = {
  name: 'merge',
  jsonParts: [0, 1],
  expected: cliExpected,
  async seeds() {
    const j = (v: unknown) => utf8(JSON.stringify(v));
    return [[j(shard(0, 2)), j(shard(1, 2))], [j(shard(1, 2)), j(shard(0, 2))], [j(shard(0, 1))]];
  },
  async run(input) {
    const parts = input.map((b, i) => readJson(b, `Shard report ${i}`));
    const report = mergeReports(
      parts,
      input.map((_, i) => `shard-${i}.json`),
    );
    const html = renderHtml(report);
    // Every tag renderHtml writes has fixed attributes: no script, and no event handler attribute.
    // (Attribute values are dropped first: esc() turns a quote inside them into &quot;.)
    if (/<script|<[a-z]+\s[^>]*\son[a-z]+\s*=/i.test(html.replace(/"[^"]*"/g, '""'))) {
      throw new Error('renderHtml embedded markup from a shard report (script or event handler)');
    }
    return digest([{ ...report, environment: null }, html]);
  },
};
