import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_PROTOCOL, encodePng, pngDataUri, renderHtml, renderTable, summarize, type BatchRecord, type DefenseResult, type Report } from '../src/index';
import { auroc, rocPoints } from '../src/report/analysis';
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
        'DAD: statistic per batch (adversarial: every candidate)', 'DAD: ROC per attack (dot: the threshold θ)',
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
    expect(text).toContain('detection at θ = 0.05: clean batches flagged (FPR) 0.0 % [0.0, 65.8] (0/2)');
    expect(text).toContain("dad-adaptive '0': adversarial batches flagged (TPR) 100.0 % [34.2, 100.0] (2/2), AUROC 1.000");
    expect(text).toContain("dad-adaptive '1': adversarial batches flagged (TPR) 0.0 % [0.0, 65.8] (0/2), AUROC 1.000");
    expect(text).not.toContain('flagged: 0/2 clean batches'); // the detection lines replace the plain counts
  });
});

describe('the analysis of a report', () => {
  /** DAD-like results on 6 images in 2 batches of 3: attack A (one candidate), attack B (two named candidates). */
  function analysed(bystanders: boolean): DefenseResult {
    // predictions per image: [A, B 'x', B 'y']; labels 0..5; clean right except image 5
    const predictions = [[0, 0, 0], [9, 1, 1], [2, 9, 2], [3, 3, 9], [4, 4, 4], [5, 5, 5]];
    const info = (b: number): BatchRecord['info'] => ({
      clean: { statistic: [0.01, 0.04][b]!, threshold: 0.03, flagged: b === 1 },
      adversarial: [
        { attack: 'A', restart: 0, candidate: 0, info: { statistic: 0.05 + b, threshold: 0.03, flagged: true } },
        { attack: 'B', restart: 0, candidate: 0, info: { statistic: 0.02, threshold: 0.03, flagged: false } },
        { attack: 'B', restart: 0, candidate: 1, info: { statistic: 0.035, threshold: 0.03, flagged: true } },
      ],
    });
    return {
      position: 0, label: 'DAD', base: null, defense: { label: 'DAD', kind: 'dad', modifies: null, settings: {}, surface: 's' },
      attacks: [{ name: 'A', settings: {}, description: 'a' }, { name: 'B', settings: {}, description: 'b', candidates: ['x', 'y'] }],
      images: predictions.map((p, i) => {
        const first = p.find((v) => v !== i);
        return {
          index: i, row: i, label: i, clean: i === 5 ? 0 : i, adversarial: first ?? i, brokenBy: null, predictions: p,
          ...(bystanders && i % 3 === 2 ? { attacked: false as const } : {}),
        };
      }),
      batches: [0, 1].map((b) => ({ batch: b, size: 3, seconds: { clean: 0, attack: 0, adversarial: 0 }, info: info(b) })),
      examples: [],
    };
  }

  it('gives each attack and named candidate on its own, the worst case being their intersection', () => {
    const [row] = summarize([analysed(false)]);
    const by = row!.byAttack!.map((a) => [a.attack, a.candidate, a.robust.count]);
    // robust alone: A fails image 1; B 'x' fails 2; B 'y' fails 3; B fails 2 and 3; image 5 is wrong when clean
    expect(by).toEqual([['A', null, 4], ['B', null, 3], ['B', 'x', 4], ['B', 'y', 4]]);
    expect(row!.robustAccuracy).toBeCloseTo(2 / 6, 12); // images 0 and 4
    expect(row!.mixed).toBeUndefined();
  });

  it('pairs each attack on its own with the base row under the same attack (Δ with its interval)', () => {
    const base = analysed(false);
    // the method: A now fails image 3 instead of 1; B 'y' no longer fails 3
    const method: DefenseResult = {
      ...base, position: 1, label: 'M', base: 'DAD',
      images: base.images.map((im) => {
        const p = [...(im.predictions ?? [])];
        if (im.index === 1) p[0] = 1;
        if (im.index === 3) p.splice(0, 3, 9, 3, 3);
        return { ...im, predictions: p };
      }),
    };
    const [b, m] = summarize([base, method]);
    expect(b!.byAttack!.every((a) => a.delta === undefined)).toBe(true);
    const by = Object.fromEntries(m!.byAttack!.map((a) => [`${a.attack}${a.candidate ?? ''}`, a]));
    // A: base robust {0,2,3,4}, method {0,1,2,4}: one image each way → Δ 0
    expect(by['A']!.robust.count).toBe(4);
    expect(by['A']!.delta!.difference).toBe(0);
    expect(by['A']!.delta!.ci95[0]).toBeLessThan(0);
    // B 'y': base fails 3, method does not → +1/6; B: base {0,1,4}, method {0,1,3,4} → +1/6
    expect(by['By']!.delta!.difference).toBeCloseTo(1 / 6, 12);
    expect(by['B']!.delta!.difference).toBeCloseTo(1 / 6, 12);
    expect(renderTable({ ...fakeReport(), results: [base, method], summary: [b!, m!] }))
      .toContain("alone: B 'y' robust 83.3 % [43.6, 97.0] (5/6); Δ vs base +16.7 [");
  });

  it('splits mixed batches into attacked images and bystanders', () => {
    const [row] = summarize([analysed(true)]);
    expect(row!.mixed!.attacked).toMatchObject({ count: 2, of: 4 }); // images 0, 1, 3, 4: 0 and 4 robust
    expect(row!.mixed!.bystanders).toMatchObject({ count: 0, of: 2 }); // images 2 (broken by B 'x') and 5 (clean wrong)
    expect(renderTable({ ...fakeReport(), results: [analysed(true)], summary: [row!] }))
      .toContain('mixed batches: attacked images robust 50.0 % [15.0, 85.0] (2/4), clean bystanders 0.0 %');
  });

  it('measures detection: FPR on clean batches, TPR, AUROC and ROC per candidate', () => {
    const [row] = summarize([analysed(false)]);
    const d = row!.detection!;
    expect(d.falsePositives).toMatchObject({ count: 1, of: 2 });
    expect(d.thresholds).toEqual([0.03]);
    expect(d.attacks.map((a) => [a.attack, a.candidate, a.truePositives.count, a.auroc])).toEqual([
      ['A', '0', 2, 1], ['B', 'x', 0, 0.5], ['B', 'y', 2, 0.5],
    ]);
    expect(d.attacks[0]!.roc).toEqual([[1, 1], [0.5, 1], [0, 1], [0, 0.5], [0, 0]]);
    expect(auroc([], [1])).toBeNaN();
    expect(rocPoints([1], [2])).toEqual([[1, 1], [0, 1], [0, 0]]);
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
