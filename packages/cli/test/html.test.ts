import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROTOCOL, encodePng, pngDataUri, renderHtml, renderTable, summarize, type BatchRecord, type DefenseResult, type Report } from '../src/index';
import { tempDir } from './helpers';

/** CHROMIUM_PATH, else Debian's chromium (`apt-get install chromium`). Missing: the test is skipped, except with CI=true where it fails. */
const CHROMIUM = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => p !== undefined && existsSync(p));
const IN_CI = process.env.CI === 'true';

/** A small fake report: 3 defenses on 6 images, with SSNI norms and timesteps, DAD's MMD statistics and examples. */
function fakeReport(): Report {
  const picture = (v: number): string => pngDataUri(encodePng(Float32Array.from({ length: 28 * 28 }, (_, i) => ((i % 28) / 28 + v) % 1), 28, 28, 1, 3));
  const labels = [0, 1, 2, 3, 4, 5];
  const result = (position: number, label: string, base: string | null, extra: (i: number) => object, mmd: boolean): DefenseResult => ({
    position, label, base, attacks: [{ name: 'pgd-eot', settings: {}, description: 'PGD+EOT' }],
    defense: { label, kind: 'test', modifies: base, settings: position === 2 ? { threshold: 0.05 } : { t: 100 }, surface: 'chain' },
    images: labels.map((y, i) => ({ index: i, row: 100 + i, label: y, clean: i === 5 ? 0 : y, adversarial: i % 2 === 0 ? y : 9, brokenBy: null, ...extra(i) })),
    batches: [0, 1].map((b) => ({ batch: b, size: 3, seconds: { clean: 0.3, attack: 3, adversarial: 0.3 },
      info: mmd ? {
        clean: { statistic: 0.01 + b / 100, threshold: 0.05, flagged: false },
        adversarial: [0.2 + b / 10, 0.03].map((v, c) => ({ attack: 'dad-adaptive', restart: 0, candidate: c, info: { statistic: v, threshold: 0.05, flagged: v > 0.05 } })),
      } as BatchRecord['info'] : { clean: {}, adversarial: [] } })),
    examples: [0, 1].map((i) => ({ index: i, adversarial: picture(0.1 * position), purifiedClean: picture(0.2), purifiedAdversarial: picture(0.3) })),
  });
  const results = [
    result(0, 'DiffPure', null, () => ({}), false),
    result(1, 'DiffPure + SSNI-N', 'DiffPure', (i) => ({ info: { clean: { norms: 10 + i, timesteps: 40 + i }, adversarial: { norms: 14 + i, timesteps: 90 + i } } }), false),
    result(2, 'DAD', null, () => ({}), true),
  ];
  return {
    format: 'robustjs-report', version: 2, shard: null, protocol: { ...DEMO_PROTOCOL, images: 6, batchSize: 3 },
    environment: { backend: 'wasm', native: true, node: 'v20', seconds: 12, shards: 1 },
    examples: [0, 1].map((i) => ({ index: i, label: i, clean: picture(0) })),
    classNames: ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'],
    results, skipped: [], summary: summarize(results),
  };
}

describe('report.html', () => {
  it.skipIf(CHROMIUM === undefined && !IN_CI)('opens in headless Chromium without console errors and every plot renders', async () => {
    expect(CHROMIUM, 'Chromium is missing: install it with `apt-get install -y chromium` (Debian) or set CHROMIUM_PATH').toBeDefined();
    const file = join(tempDir(), 'report.html');
    writeFileSync(file, renderHtml(fakeReport()));
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM as string, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console: ${m.text()}`); });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`external request: ${r.url()}`); });
      page.on('requestfailed', (r) => problems.push(`failed: ${r.url()}`));
      await page.goto(`file://${file}`, { waitUntil: 'load' });
      const plots = await page.$$eval('svg.plot', (svgs) => svgs.map((s) => {
        const box = s.getBoundingClientRect();
        return { label: s.getAttribute('aria-label'), width: box.width, height: box.height, marks: s.querySelectorAll('.mark').length };
      }));
      const images = await page.$$eval('img', (imgs) => imgs.map((i) => ({ ok: i.complete && i.naturalWidth === 84, alt: i.alt })));
      expect(problems).toEqual([]);
      // accuracy bars, histograms of the SSNI row's per-image norms and timesteps, DAD's per-batch statistic
      expect(plots.map((p) => p.label)).toEqual([
        'Clean and robust accuracy (%)', 'DiffPure + SSNI-N: norms', 'DiffPure + SSNI-N: timesteps',
        'DAD: statistic per batch (adversarial: every candidate)',
      ]);
      for (const p of plots) expect(p.width > 100 && p.height > 100 && p.marks > 0, `${p.label}: ${JSON.stringify(p)}`).toBe(true);
      expect(images.length).toBe(2 + 2 * 3 * 2);
      expect(images.filter((i) => !i.ok)).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

describe('the table', () => {
  it('prints intervals, medians and AUROC of per-image statistics, and counts of boolean per-batch statistics', () => {
    const text = renderTable(fakeReport());
    expect(text).toMatch(/^method +clean % +95 % CI +robust %/);
    expect(text).toContain('norms: median 12.5 clean vs 16.5 adversarial (first candidate), AUROC 0.944');
    expect(text).toContain('timesteps: median 42.5 clean vs 92.5 adversarial (first candidate), AUROC 1.000');
    expect(text).toContain('flagged: 0/2 clean batches, 2/4 adversarial batches (dad-adaptive)');
  });
});

describe('the table, worst case by attack', () => {
  it('says which attack and named candidate broke each image first', () => {
    const report = fakeReport();
    const dad = report.results[2]!;
    const images = dad.images.map((i, k) => ({ ...i, brokenBy: k < 2 ? { attack: 'dad-adaptive', restart: 0, candidate: k } : null }));
    const attacks = [{ name: 'dad-adaptive', settings: {}, description: 'DAD', candidates: ['detect', 'threshold'] }];
    const results = [report.results[0]!, report.results[1]!, { ...dad, images, attacks }];
    const text = renderTable({ ...report, results, summary: summarize(results) });
    expect(text).toContain("broken first by: dad-adaptive 'detect' 1, dad-adaptive 'threshold' 1; robust ");
  });
});
